import { describe, expect, it } from 'vitest';
import { FileFormatError } from '@peft/core';
import { parseJsonl } from './parse-jsonl.js';

describe('parseJsonl', () => {
  it('reads one object per line and keeps the line numbers, skipping blank lines', () => {
    const parsed = parseJsonl('{"text":"a"}\n\n   \n{"text":"b","n":2}\n', 'train.jsonl');
    expect(parsed.kind).toBe('jsonl');
    expect(parsed.records).toEqual([
      { line: 1, fields: { text: 'a' } },
      { line: 4, fields: { text: 'b', n: 2 } },
    ]);
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    const parsed = parseJsonl('\uFEFF{"text":"a"}\r\n{"text":"b"}\r\n', 'train.jsonl');
    expect(parsed.records.map((r) => r.fields.text)).toEqual(['a', 'b']);
  });

  it('names the file and line of invalid JSON', () => {
    const text = ['{"text":"a"}', '{"text":"b"}', '{"text": "c",}'].join('\n');
    expect(() => parseJsonl(text, 'train.jsonl')).toThrow(FileFormatError);
    expect(() => parseJsonl(text, 'train.jsonl')).toThrow(/^train\.jsonl line 3: invalid JSON \(/);
  });

  it('rejects a line that holds something other than an object', () => {
    expect(() => parseJsonl('{"text":"a"}\n[1, 2]\n', 'train.jsonl')).toThrow('train.jsonl line 2: expected a JSON object, got array');
    expect(() => parseJsonl('"just a string"', 'data.jsonl')).toThrow('data.jsonl line 1: expected a JSON object, got string');
  });

  it('gives no records for an empty file', () => {
    expect(parseJsonl('\n\n', 'train.jsonl').records).toEqual([]);
  });
});
