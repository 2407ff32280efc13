import { ArgumentError } from '@peft/core';
import { parseCsv } from './parse-csv.js';
import { parseJsonl } from './parse-jsonl.js';
import { type TextSampleBy, parseText } from './parse-text.js';
import type { ParsedRecords, RecordSourceKind } from './source-record.js';

/**
 * Options of {@link readRecords}.
 *
 * @example
 * ```ts
 * const opts: ReadRecordsOptions = { kind: 'text', sampleBy: 'line' };
 * ```
 */
export interface ReadRecordsOptions {
  /** The file kind (default: from the label's extension: `.jsonl`/`.ndjson`, `.csv`, `.txt`). */
  kind?: RecordSourceKind;
  /** How plain text is cut into documents (default 'paragraph'). */
  sampleBy?: TextSampleBy;
}

/**
 * The file kind of a name by its extension: `.jsonl` and `.ndjson` are JSON Lines, `.csv` is CSV,
 * `.txt` is plain text, `.parquet` is Parquet (binary: read with `parseParquet`); any other is an `ArgumentError` that says which extensions are known.
 *
 * @example
 * ```ts
 * recordKindOf('data/train.csv'); // 'csv'
 * ```
 */
export function recordKindOf(label: string): RecordSourceKind {
  const lower = label.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.txt')) return 'text';
  if (lower.endsWith('.parquet')) return 'parquet';
  throw new ArgumentError(`${label}: cannot tell the file kind from its extension; expected .jsonl, .ndjson, .csv, .txt or .parquet (or pass kind)`);
}

/**
 * Parses a data file's text into records with line numbers, by the file kind (given, or from the
 * label's extension). Browser-safe: it takes the text, not a path.
 *
 * @example
 * ```ts
 * const parsed = readRecords(await (await fetch('/train.jsonl')).text(), 'train.jsonl');
 * ```
 */
export function readRecords(text: string, label: string, opts: ReadRecordsOptions = {}): ParsedRecords {
  const kind = opts.kind ?? recordKindOf(label);
  switch (kind) {
    case 'jsonl':
      return parseJsonl(text, label);
    case 'csv':
      return parseCsv(text, label);
    case 'text':
      return parseText(text, label, opts.sampleBy);
    case 'parquet':
      throw new ArgumentError(`${label}: Parquet is binary; read it with parseParquet (or loadParsedDataset), not as text`);
    default:
      throw new ArgumentError(`readRecords: kind must be "jsonl", "csv" or "text", got ${JSON.stringify(kind)}`);
  }
}
