import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, FileFormatError } from '@peft/core';
import { type TrainConfig, parseTrainConfig } from '@peft/train';
import { resolvePathOrId } from './hub.js';
import type { TrainFlags } from './train-flags.js';
import { UsageError } from './usage-error.js';

/**
 * Reads the training config a command was given (`--config train.json`, then every flag that names a
 * config key over it), and validates it: the config `peft train` runs and `peft export-run` exports.
 * Paths in the file resolve against its folder, paths in flags against the working directory.
 *
 * @example
 * ```ts
 * const { cfg, label } = await readTrainConfigInput(parseTrainFlags(argv), 'train');
 * ```
 */
export async function readTrainConfigInput(flags: TrainFlags, command: string): Promise<{ cfg: TrainConfig; label: string }> {
  let raw: Record<string, unknown> = {};
  let label = 'flags';
  let baseDir = process.cwd();
  if (flags.config !== undefined) {
    const path = resolve(flags.config);
    label = flags.config;
    baseDir = dirname(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new ConfigError(`${command}: cannot read the config ${flags.config} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new FileFormatError(`${flags.config}: invalid JSON (${(e as Error).message})`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${flags.config}: expected a JSON object of training settings`);
  } else if (Object.keys(flags.overrides).length === 0) {
    throw new UsageError(`${command}: give --config train.json (or the settings as flags: --model, --method, --train, --output_dir, …)`);
  }
  const merged: Record<string, unknown> = { ...raw, ...flags.overrides };
  if (typeof merged.method === 'string') merged.method = { peft_type: merged.method };
  if (Object.keys(flags.dataOverrides).length) {
    const data = raw.data === undefined ? {} : raw.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ConfigError(`${label}: "data" must be a JSON object`);
    merged.data = { ...data, ...flags.dataOverrides };
  }
  return { cfg: parseTrainConfig(merged, { label, baseDir, resolvePath: resolvePathOrId }), label };
}
