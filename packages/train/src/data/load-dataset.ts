import { type DatasetFormat } from './dataset-format.js';
import { type FormattedDataset, formatRecords } from './format-records.js';
import type { ParsedRecords } from './source-record.js';
import { type ReadRecordsOptions, readRecords } from './read-records.js';
import { type TokenizeOptions, type TokenizedDataset, tokenizeDataset } from './tokenize-dataset.js';

/**
 * Options of {@link loadDataset}: how to read the file, its format (inferred when absent) and how to
 * tokenize it.
 *
 * @example
 * ```ts
 * const opts: LoadDatasetOptions = { tokenizer, format: 'chat', completionOnlyLoss: true, maxLength: 1024 };
 * ```
 */
export interface LoadDatasetOptions extends ReadRecordsOptions, TokenizeOptions {
  format?: DatasetFormat;
}

/**
 * Reads, validates and tokenizes a data file's text in one call: `readRecords` → `formatRecords` →
 * `tokenizeDataset`. Browser-safe (it takes the text); errors name `label` and the line.
 *
 * @example
 * ```ts
 * const train = loadDataset(await file.text(), 'train.jsonl', { tokenizer, completionOnlyLoss: true });
 * const evalSet = loadDataset(evalText, 'eval.csv', { tokenizer, labelNames: train.labelNames });
 * ```
 */
export function loadDataset(text: string, label: string, opts: LoadDatasetOptions = {}): TokenizedDataset {
  return tokenizeDataset(formatRecords(readRecords(text, label, opts), opts.format), opts);
}

/**
 * Validates and tokenizes records already parsed (a Parquet file's rows, or several files of one
 * split, formatted alike and concatenated in order): `formatRecords` on each → `tokenizeDataset`.
 * Errors name the file and line (row) of the record.
 *
 * @example
 * ```ts
 * const train = loadParsedDataset([await parseParquet(parquetBytes(bytes), 'train.parquet')], 'train.parquet', { tokenizer });
 * ```
 */
export function loadParsedDataset(parts: readonly ParsedRecords[], label: string, opts: LoadDatasetOptions = {}): TokenizedDataset {
  if (parts.length === 1) return tokenizeDataset(formatRecords(parts[0], opts.format), opts);
  let merged: FormattedDataset | undefined;
  for (const part of parts) {
    const ds = formatRecords(part, opts.format ?? merged?.format);
    merged = merged === undefined ? { ...ds, label } : { ...merged, records: [...merged.records, ...ds.records] };
  }
  if (merged === undefined) return tokenizeDataset(formatRecords({ label, kind: 'jsonl', records: [] }, opts.format), opts);
  return tokenizeDataset(merged, opts);
}
