import { describe, expect, it } from 'vitest';
import { FileFormatError } from '@peft/core';
import { parseCsv } from './parse-csv.js';

describe('parseCsv', () => {
  it('reads the header row as field names and each row as a record of strings', () => {
    const parsed = parseCsv('text,label\nthe cat,1\nthe dog,0\n', 'train.csv');
    expect(parsed.kind).toBe('csv');
    expect(parsed.records).toEqual([
      { line: 2, fields: { text: 'the cat', label: '1' } },
      { line: 3, fields: { text: 'the dog', label: '0' } },
    ]);
  });

  it('reads quoted fields holding commas, doubled quotes and line breaks, and counts lines across them', () => {
    const text = 'text,label\r\n"great, ""really""",pos\r\n"two\nlines",neg\r\nlast,pos';
    const parsed = parseCsv(text, 'train.csv');
    expect(parsed.records).toEqual([
      { line: 2, fields: { text: 'great, "really"', label: 'pos' } },
      { line: 3, fields: { text: 'two\nlines', label: 'neg' } },
      { line: 5, fields: { text: 'last', label: 'pos' } },
    ]);
  });

  it('keeps empty fields and skips blank lines', () => {
    const parsed = parseCsv('a,b\n,x\n\n"",\n', 'f.csv');
    expect(parsed.records).toEqual([
      { line: 2, fields: { a: '', b: 'x' } },
      { line: 4, fields: { a: '', b: '' } },
    ]);
  });

  it('names the line of a row with the wrong number of fields', () => {
    expect(() => parseCsv('text,label\na,1\nb,1,extra\n', 'train.csv')).toThrow('train.csv line 3: expected 2 fields (text, label), got 3');
  });

  it('names the line where an unclosed quote opens', () => {
    expect(() => parseCsv('text,label\n"open,1\nmore,2\n', 'train.csv')).toThrow('train.csv line 2: a quoted field is never closed (column 1)');
  });

  it('rejects quotes inside an unquoted field and text after a closing quote', () => {
    expect(() => parseCsv('text,label\nsay "hi",1\n', 'train.csv')).toThrow(/train\.csv line 2: a quote inside an unquoted field \(column 1\)/);
    expect(() => parseCsv('text,label\n"hi"x,1\n', 'train.csv')).toThrow(FileFormatError);
  });

  it('rejects an empty or repeated header name', () => {
    expect(() => parseCsv('text,,label\n', 'train.csv')).toThrow('train.csv line 1: header column 2 has no name');
    expect(() => parseCsv('text,text\n', 'train.csv')).toThrow('train.csv line 1: header names column "text" twice');
  });

  it('gives no records for a file with only a header', () => {
    expect(parseCsv('text,label\n', 'train.csv').records).toEqual([]);
  });
});
