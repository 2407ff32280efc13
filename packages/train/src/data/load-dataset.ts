import { type DatasetFormat } from './dataset-format.js';
import { formatRecords } from './format-records.js';
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
