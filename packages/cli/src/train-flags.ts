import { resolve } from 'node:path';
import { DATA_CONFIG_KEYS, TRAIN_CONFIG_KEYS } from '@peft/train';
import { resolvePathOrId } from './hub.js';
import { UsageError } from './usage-error.js';

/** Keys whose values are paths (or Hub ids): given as flags, paths are resolved against the working directory. */
const PATH_KEYS = new Set(['model', 'adapter', 'output_dir', 'train', 'eval']);

/**
 * `peft train`'s arguments: the config file, command options, and overrides of config keys. Every
 * top-level key of the config (`--learning_rate 1e-3`, or `--learning-rate`) and every key of its
 * `data` section (`--train FILE`, `--eval FILE`, `--format chat`, `--max_length 256`) can be given as
 * a flag; flags win over the file. Values are read as JSON when they parse (`1e-3`, `true`, `null`,
 * `{"peft_type": "LORA"}`), otherwise as strings; a boolean flag without a value is true.
 *
 * @example
 * ```ts
 * parseTrainFlags(['--config', 'train.json', '--max_steps', '20']).overrides; // { max_steps: 20 }
 * ```
 */
export interface TrainFlags {
  readonly config?: string;
  readonly backend?: string;
  readonly quiet: boolean;
  readonly overrides: Record<string, unknown>;
  readonly dataOverrides: Record<string, unknown>;
}

/**
 * Parses `peft train`'s argument list (see {@link TrainFlags}); an unknown flag is a usage error that
 * names the closest known one.
 *
 * @example
 * ```ts
 * const flags = parseTrainFlags(['--config', 'train.json', '--learning-rate', '3e-4']);
 * ```
 */
export function parseTrainFlags(argv: readonly string[]): TrainFlags {
  const overrides: Record<string, unknown> = {};
  const dataOverrides: Record<string, unknown> = {};
  let config: string | undefined;
  let backend: string | undefined;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`train: unexpected argument "${arg}" (options are --key value; see peft train --help)`);
    const eq = arg.indexOf('=');
    const key = (eq > 0 ? arg.slice(2, eq) : arg.slice(2)).replace(/-/g, '_');
    let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (value !== undefined) return value;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`train: --${key} expects a value`);
      i++;
      return next;
    };
    if (key === 'quiet') {
      quiet = true;
      continue;
    }
    if (key === 'no_estimate_check') {
      overrides.estimate_check = false;
      continue;
    }
    if (key === 'config') config = takeValue();
    else if (key === 'backend') backend = takeValue();
    else if (key === 'resume') {
      // --resume alone continues from the newest checkpoint
      const next = argv[i + 1];
      value ??= next !== undefined && !next.startsWith('--') ? argv[++i] : 'latest';
      overrides.resume_from_checkpoint = value === 'latest' ? value : resolve(value);
    } else if (TRAIN_CONFIG_KEYS.includes(key) && key !== 'data') {
      const next = argv[i + 1];
      const bare = value === undefined && (next === undefined || next.startsWith('--'));
      const v = bare ? true : readValue(takeValue());
      overrides[key] = PATH_KEYS.has(key) && typeof v === 'string' ? resolvePathOrId('.', v) : v;
    } else if (DATA_CONFIG_KEYS.includes(key)) {
      const next = argv[i + 1];
      const bare = value === undefined && (next === undefined || next.startsWith('--'));
      const v = bare ? true : readValue(takeValue());
      dataOverrides[key] = PATH_KEYS.has(key) && typeof v === 'string' ? resolvePathOrId('.', v) : v;
    } else {
      throw new UsageError(`train: unknown option --${key}; config keys are accepted as flags (${[...TRAIN_CONFIG_KEYS.filter((k) => k !== 'data'), ...DATA_CONFIG_KEYS].join(', ')}), plus --config, --resume, --backend, --quiet, --no-estimate-check`);
    }
  }
  return { config, backend, quiet, overrides, dataOverrides };
}

function readValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
