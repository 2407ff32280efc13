import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isRepoId } from '@peft/hub';
import { enableHub, hubDataFiles } from '@peft/hub/node';
import { type ParsedRecords, recordKindOf } from '@peft/train';
import { readRecordsFile } from '@peft/train/node';
import type { CliIO } from './io.js';

/**
 * Lets every `--model`, `--adapter` and training-config path be a Hub id too (`org/name`, or
 * `org/name/subfolder` for a named adapter), through the shared cache; download progress goes to
 * stderr. `HF_TOKEN`, `HF_HUB_OFFLINE`, `HF_ENDPOINT` and the cache variables are read at each use.
 *
 * @example
 * ```ts
 * enableCliHub(io);
 * ```
 */
export function enableCliHub(io: CliIO): void {
  enableHub({ progress: io.stderr });
}

/**
 * Whether a path-or-id names something on the Hub: an `hf://` URL, or an id (`org/name`, or longer
 * for a subfolder) where no local file or folder of that name exists. A path wins over an id.
 *
 * @example
 * ```ts
 * isHubName('HuggingFaceTB/SmolLM2-135M'); // true unless ./HuggingFaceTB/SmolLM2-135M exists
 * ```
 */
export function isHubName(text: string, base = '.'): boolean {
  if (text.startsWith('hf://')) return true;
  const parts = text.split('/');
  if (parts.length < 2 || !isRepoId(parts.slice(0, 2).join('/'))) return false;
  return !existsSync(resolve(base, text));
}

/**
 * Resolves a config path against `base`, leaving Hub ids and `hf://` URLs as they are.
 *
 * @example
 * ```ts
 * resolvePathOrId('/configs', 'data/train.jsonl'); // '/configs/data/train.jsonl'
 * resolvePathOrId('/configs', 'org/model');        // 'org/model'
 * ```
 */
export function resolvePathOrId(base: string, p: string): string {
  return isHubName(p, base) ? p : resolve(base, p);
}

/**
 * Reads a data source for training as records, or `undefined` for a local text file (which the
 * trainer reads itself): Parquet files, and Hub datasets (`hf://datasets/org/name/file`, or an id /
 * `hf://datasets/org/name` with `split`), whose files come through the shared cache.
 *
 * @example
 * ```ts
 * const parts = await readDataRecords('hf://datasets/org/data/train.parquet');
 * ```
 */
export async function readDataRecords(path: string, split?: string): Promise<ParsedRecords[] | undefined> {
  if (isHubName(path)) {
    const files = await hubDataFiles(path, { split });
    return Promise.all(files.map((f) => readRecordsFile(f.path, f.label)));
  }
  let kind: string | undefined;
  try {
    kind = recordKindOf(path);
  } catch {
    return undefined;
  }
  return kind === 'parquet' ? [await readRecordsFile(path)] : undefined;
}
