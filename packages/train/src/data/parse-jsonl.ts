import { FileFormatError } from '@peft/core';
import { type ParsedRecords, type SourceRecord, kindOf } from './source-record.js';

/**
 * Parses JSON Lines text: one JSON object per line; blank lines (only whitespace) are skipped, a
 * `\r\n` line ending and a leading byte-order mark are accepted. A line that is not valid JSON, or
 * that holds something other than an object, is a `FileFormatError` naming the file and line.
 * An empty file is not an error here (see `formatRecords`, which rejects an empty dataset).
 *
 * @example
 * ```ts
 * const { records } = parseJsonl('{"text":"a"}\n\n{"text":"b"}\n', 'train.jsonl');
 * records.map((r) => r.line); // [1, 3]
 * ```
 */
export function parseJsonl(text: string, label: string): ParsedRecords {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  const records: SourceRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new FileFormatError(`${label} line ${i + 1}: invalid JSON (${(e as Error).message})`, { cause: e });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new FileFormatError(`${label} line ${i + 1}: expected a JSON object, got ${kindOf(value)}`);
    }
    records.push({ line: i + 1, fields: value as Record<string, unknown> });
  }
  return { label, kind: 'jsonl', records };
}
