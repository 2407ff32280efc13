/**
 * Node helper of the data layer: reading a data file from disk. Not browser-safe (it imports
 * `node:fs`), so it is kept apart from the rest.
 *
 * @packageDocumentation
 */
import { open, readFile } from 'node:fs/promises';
import { FileFormatError } from '@peft/core';
import { type LoadDatasetOptions, loadDataset, loadParsedDataset } from './load-dataset.js';
import { parseParquet } from './parse-parquet.js';
import { readRecords, recordKindOf } from './read-records.js';
import type { ParsedRecords } from './source-record.js';
import type { TokenizedDataset } from './tokenize-dataset.js';

/**
 * Reads a data file from disk into records by its extension: JSON Lines, CSV and text as UTF-8,
 * Parquet through a file handle one row group at a time. `label` names it in messages (default: the path).
 *
 * @example
 * ```ts
 * const parsed = await readRecordsFile('data/train.parquet');
 * ```
 */
export async function readRecordsFile(path: string, label = path): Promise<ParsedRecords> {
  const kind = recordKindOf(label);
  try {
    if (kind !== 'parquet') return readRecords(await readFile(path, 'utf8'), label, { kind });
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      return await parseParquet(
        {
          byteLength: size,
          slice: async (start, end = size) => {
            const out = new Uint8Array(end - start);
            await handle.read(out, 0, out.length, start);
            return out.buffer;
          },
        },
        label,
      );
    } finally {
      await handle.close();
    }
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    if ((e as NodeJS.ErrnoException).code) throw new FileFormatError(`${label}: cannot read the data file (${(e as Error).message})`, { cause: e });
    throw e;
  }
}

/**
 * Reads a data file (UTF-8 text, or Parquet) and loads it with `loadDataset`; the path names the file in error
 * messages. A missing or unreadable file is a `FileFormatError` naming the path.
 *
 * @example
 * ```ts
 * const train = await readDatasetFile('data/train.jsonl', { tokenizer, maxLength: 512 });
 * ```
 */
export async function readDatasetFile(path: string, opts: LoadDatasetOptions = {}): Promise<TokenizedDataset> {
  if (recordKindOf(path) === 'parquet') return loadParsedDataset([await readRecordsFile(path)], path, opts);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FileFormatError(`${path}: cannot read the data file (${(e as Error).message})`, { cause: e });
  }
  return loadDataset(text, path, opts);
}
