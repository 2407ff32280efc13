/**
 * Where a dataset's records came from: the file kind decides how loosely values are read (CSV cells
 * are always strings).
 *
 * @example
 * ```ts
 * const kind: RecordSourceKind = 'jsonl';
 * ```
 */
export type RecordSourceKind = 'jsonl' | 'csv' | 'text' | 'parquet';

/**
 * One record of a data file: its fields and the (1-based) line it starts on, for error messages.
 *
 * @example
 * ```ts
 * const r: SourceRecord = { line: 3, fields: { prompt: 'Q: 2+2?', completion: ' 4' } };
 * ```
 */
export interface SourceRecord {
  /** The 1-based line of the file where the record starts. */
  readonly line: number;
  /** The record's fields by name (a JSON object's keys, a CSV row's header names, `text` for plain text). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * The records of one data file, with the label that names the file in messages.
 *
 * @example
 * ```ts
 * const parsed: ParsedRecords = { label: 'train.jsonl', kind: 'jsonl', records: [{ line: 1, fields: { text: 'hi' } }] };
 * ```
 */
export interface ParsedRecords {
  /** Names the file in messages (`train.jsonl line 7: …`). */
  readonly label: string;
  readonly kind: RecordSourceKind;
  readonly records: readonly SourceRecord[];
}

/**
 * A short description of a JSON value's kind for messages: `string`, `number`, `boolean`, `null`,
 * `array`, `object`.
 *
 * @example
 * ```ts
 * kindOf([1, 2]); // 'array'
 * ```
 */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
