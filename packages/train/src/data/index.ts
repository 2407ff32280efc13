/**
 * The data layer of `@peft/train`: readers (JSONL, CSV, plain text, Parquet), dataset formats, tokenization
 * to examples, packing, padding/collation, held-out splits and a resumable, seeded data loader.
 * Browser-safe; the Node file reader is in `./node.js`.
 *
 * @packageDocumentation
 */
export type { RecordSourceKind, SourceRecord, ParsedRecords } from './source-record.js';
export { kindOf } from './source-record.js';
export { parseJsonl } from './parse-jsonl.js';
export { parseCsv } from './parse-csv.js';
export { parseText } from './parse-text.js';
export type { TextSampleBy } from './parse-text.js';
export { readRecords, recordKindOf } from './read-records.js';
export type { ReadRecordsOptions } from './read-records.js';
export { DATASET_FORMATS, inferFormat, checkFormat } from './dataset-format.js';
export type { DatasetFormat, FormattedRecord } from './dataset-format.js';
export { formatRecords } from './format-records.js';
export type { FormattedDataset } from './format-records.js';
export { IGNORE_INDEX } from './example.js';
export type { Example } from './example.js';
export { chatSegments, promptCompletionSegments } from './chat-segments.js';
export type { ChatSegment } from './chat-segments.js';
export { classLabels, resolveClassLabel } from './class-labels.js';
export type { ClassLabels } from './class-labels.js';
export { commonPrefix, encodeChat, encodeChatPromptCompletion, encodeClassification, encodePromptCompletion, encodeSegments, encodeTokenized } from './encode-record.js';
export { tokenizeDataset } from './tokenize-dataset.js';
export type { TokenizeOptions, TokenizedDataset } from './tokenize-dataset.js';
export { loadDataset, loadParsedDataset } from './load-dataset.js';
export { type ParquetBytes, parquetBytes, parseParquet } from './parse-parquet.js';
export type { LoadDatasetOptions } from './load-dataset.js';
export { packExamples } from './pack-examples.js';
export type { PackOptions } from './pack-examples.js';
export { padExamples, collateExamples, createCollator } from './collate-examples.js';
export type { PadOptions, PaddedBatch, CollatedBatch } from './collate-examples.js';
export { seededPermutation, checkSeed } from './seeded-permutation.js';
export { splitDataset } from './split-dataset.js';
export type { SplitOptions, DatasetSplit } from './split-dataset.js';
export { DataLoader } from './data-loader.js';
export type { DataLoaderOptions, DataLoaderState, LoadedBatch } from './data-loader.js';
