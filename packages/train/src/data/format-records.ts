import { FileFormatError } from '@peft/core';
import type { ChatMessage } from '@peft/models';
import { type DatasetFormat, type FormattedRecord, checkFormat, inferFormat } from './dataset-format.js';
import { type ParsedRecords, type RecordSourceKind, type SourceRecord, kindOf } from './source-record.js';

/**
 * A data file's records, validated against one format.
 *
 * @example
 * ```ts
 * const ds: FormattedDataset = formatRecords(parseJsonl(text, 'train.jsonl'));
 * ds.format; // 'chat'
 * ```
 */
export interface FormattedDataset {
  readonly label: string;
  readonly kind: RecordSourceKind;
  readonly format: DatasetFormat;
  readonly records: readonly FormattedRecord[];
}

/** Reads and checks the fields of one record; errors name the file, line and field. */
class RecordReader {
  constructor(
    private readonly label: string,
    private readonly format: DatasetFormat,
    private readonly record: SourceRecord,
  ) {}

  fail(message: string): never {
    throw new FileFormatError(`${this.label} line ${this.record.line}: ${message}`);
  }

  has(field: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.record.fields, field) && this.record.fields[field] !== undefined;
  }

  get(field: string): unknown {
    if (!this.has(field)) this.fail(`missing field "${field}" (format ${this.format})`);
    return this.record.fields[field];
  }

  string(field: string): string {
    const v = this.get(field);
    if (typeof v !== 'string') this.fail(`"${field}" must be a string, got ${kindOf(v)}`);
    return v;
  }

  /** A list of integers; `allowed` checks each and returns what was expected when it fails. */
  intList(field: string, allowed: (v: number) => string | undefined): number[] {
    const v = this.get(field);
    if (!Array.isArray(v)) this.fail(`"${field}" must be an array of integers, got ${kindOf(v)}`);
    v.forEach((x: unknown, i) => {
      if (typeof x !== 'number' || !Number.isInteger(x)) this.fail(`"${field}[${i}]" must be an integer, got ${typeof x === 'number' ? x : kindOf(x)}`);
      const expected = allowed(x);
      if (expected !== undefined) this.fail(`"${field}[${i}]" must be ${expected}, got ${x}`);
    });
    return v as number[];
  }
}

const nonNegative = (x: number) => (x < 0 ? 'a non-negative token id' : undefined);
const maskValue = (x: number) => (x !== 0 && x !== 1 ? '0 or 1' : undefined);
const labelValue = (x: number) => (x < 0 && x !== -100 ? 'a non-negative token id or -100' : undefined);

function tokenizedRecord(r: RecordReader, line: number): FormattedRecord {
  const inputIds = r.intList('input_ids', nonNegative);
  if (inputIds.length === 0) r.fail('"input_ids" must not be empty');
  let attentionMask: number[] | undefined;
  if (r.has('attention_mask')) {
    attentionMask = r.intList('attention_mask', maskValue);
    if (attentionMask.length !== inputIds.length) r.fail(`"attention_mask" must have as many entries as "input_ids" (${inputIds.length}), got ${attentionMask.length}`);
  }
  let labels: number[] | number | undefined;
  if (r.has('labels')) {
    const raw = r.get('labels');
    if (typeof raw === 'number') {
      if (!Number.isInteger(raw) || raw < 0) r.fail(`"labels" must be a list of token ids or a non-negative integer class id, got ${raw}`);
      labels = raw;
    } else {
      // a causal LM's labels line up with input_ids (checked when tokenizing); an encoder-decoder's are its targets
      labels = r.intList('labels', labelValue);
    }
  }
  return { format: 'tokenized', line, inputIds, attentionMask, labels };
}

/** Checks a list of chat messages in `field`. */
function messageList(r: RecordReader, field: string): ChatMessage[] {
  const v = r.get(field);
  if (!Array.isArray(v)) r.fail(`"${field}" must be an array of {role, content}, got ${kindOf(v)}`);
  if (v.length === 0) r.fail(`"${field}" must not be empty`);
  v.forEach((m: unknown, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) r.fail(`"${field}[${i}]" must be an object {role, content}, got ${kindOf(m)}`);
    const msg = m as Record<string, unknown>;
    for (const key of ['role', 'content']) {
      if (msg[key] === undefined) r.fail(`"${field}[${i}]" is missing "${key}"`);
      if (typeof msg[key] !== 'string') r.fail(`"${field}[${i}].${key}" must be a string, got ${kindOf(msg[key])}`);
    }
  });
  return v as ChatMessage[];
}

function promptCompletionRecord(r: RecordReader, line: number): FormattedRecord {
  // text/target pairs (the usual seq2seq layout) are a prompt and its completion
  if (!r.has('prompt') && r.has('target')) return { format: 'prompt_completion', line, prompt: r.string('text'), completion: r.string('target') };
  const prompt = r.get('prompt');
  if (Array.isArray(prompt)) {
    const completion = r.get('completion');
    if (!Array.isArray(completion)) r.fail(`"completion" must be a list of messages like "prompt", got ${kindOf(completion)}`);
    return { format: 'prompt_completion', line, prompt: messageList(r, 'prompt'), completion: messageList(r, 'completion') };
  }
  if (typeof prompt !== 'string') r.fail(`"prompt" must be a string or a list of messages, got ${kindOf(prompt)}`);
  return { format: 'prompt_completion', line, prompt, completion: r.string('completion') };
}

const CSV_INTEGER = /^(0|[1-9][0-9]*)$/;

function classificationRecord(r: RecordReader, line: number, kind: RecordSourceKind): FormattedRecord {
  const text = r.string('text');
  const raw = r.get('label');
  let label: number | string;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < 0) r.fail(`"label" must be a non-negative integer class id or a class name, got ${raw}`);
    label = raw;
  } else if (typeof raw === 'string') {
    // CSV cells are strings: a cell of digits is a class id
    label = kind === 'csv' && CSV_INTEGER.test(raw.trim()) ? Number(raw.trim()) : raw;
  } else {
    r.fail(`"label" must be an integer class id or a string class name, got ${kindOf(raw)}`);
  }
  return { format: 'classification', line, text, label };
}

function formatOne(r: RecordReader, format: DatasetFormat, record: SourceRecord, kind: RecordSourceKind): FormattedRecord {
  const line = record.line;
  switch (format) {
    case 'tokenized':
      return tokenizedRecord(r, line);
    case 'text':
      return { format, line, text: r.string('text') };
    case 'prompt_completion':
      return promptCompletionRecord(r, line);
    case 'chat':
      return { format, line, messages: messageList(r, 'messages') };
    case 'classification':
      return classificationRecord(r, line, kind);
  }
}

/**
 * Validates every record of a parsed file against a format (given, or inferred from the first
 * record with `inferFormat`). Missing fields and wrong types are a `FileFormatError` naming the file,
 * line and field (`train.jsonl line 3: "completion" must be a string, got number`); an empty dataset
 * is a `FileFormatError` too. Fields the format does not use are ignored. Classification labels must
 * be all class ids or all class names; in CSV, a label cell of digits is a class id.
 *
 * @example
 * ```ts
 * const ds = formatRecords(parseJsonl('{"prompt":"2+2=","completion":"4"}', 'train.jsonl'));
 * ds.records[0]; // { format: 'prompt_completion', line: 1, prompt: '2+2=', completion: '4' }
 * ```
 */
export function formatRecords(parsed: ParsedRecords, format?: DatasetFormat): FormattedDataset {
  const { label, kind, records } = parsed;
  if (records.length === 0) {
    throw new FileFormatError(`${label}: the dataset is empty (no records${kind === 'csv' ? ' after the header row' : ''})`);
  }
  const chosen = format === undefined ? inferFormat(records[0], label) : checkFormat(format, `${label}: format`);
  const out: FormattedRecord[] = [];
  let labelKind: 'number' | 'string' | undefined;
  for (const record of records) {
    const reader = new RecordReader(label, chosen, record);
    const formatted = formatOne(reader, chosen, record, kind);
    if (formatted.format === 'classification') {
      const k = typeof formatted.label === 'number' ? 'number' : 'string';
      labelKind ??= k;
      if (k !== labelKind) {
        reader.fail(`"label" must be ${labelKind === 'number' ? 'an integer class id' : 'a class name'} like the labels before it, got ${JSON.stringify(formatted.label)}`);
      }
    }
    out.push(formatted);
  }
  return { label, kind, format: chosen, records: out };
}
