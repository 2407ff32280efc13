/**
 * Node helper of the data layer: reading a data file from disk. Not browser-safe (it imports
 * `node:fs`), so it is kept apart from the rest.
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { FileFormatError } from '@peft/core';
import { type LoadDatasetOptions, loadDataset } from './load-dataset.js';
import type { TokenizedDataset } from './tokenize-dataset.js';

/**
 * Reads a data file (UTF-8) and loads it with `loadDataset`; the path names the file in error
 * messages. A missing or unreadable file is a `FileFormatError` naming the path.
 *
 * @example
 * ```ts
 * const train = await readDatasetFile('data/train.jsonl', { tokenizer, maxLength: 512 });
 * ```
 */
export async function readDatasetFile(path: string, opts: LoadDatasetOptions = {}): Promise<TokenizedDataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FileFormatError(`${path}: cannot read the data file (${(e as Error).message})`, { cause: e });
  }
  return loadDataset(text, path, opts);
}
