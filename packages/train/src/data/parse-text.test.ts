import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@peft/core';
import { parseText } from './parse-text.js';
import { readRecords, recordKindOf } from './read-records.js';

const CORPUS = 'First story.\nStill first.\n\n\nSecond story.\r\n  \nThird.\n';

describe('parseText', () => {
  it('splits documents at blank lines by default, keeping inner line breaks', () => {
    const { records } = parseText(CORPUS, 'corpus.txt');
    expect(records).toEqual([
      { line: 1, fields: { text: 'First story.\nStill first.' } },
      { line: 5, fields: { text: 'Second story.' } },
      { line: 7, fields: { text: 'Third.' } },
    ]);
  });

  it('makes every non-blank line a document with sampleBy line', () => {
    expect(parseText(CORPUS, 'corpus.txt', 'line').records.map((r) => [r.line, r.fields.text])).toEqual([
      [1, 'First story.'],
      [2, 'Still first.'],
      [5, 'Second story.'],
      [7, 'Third.'],
    ]);
  });

  it('keeps the whole text as one document with sampleBy document', () => {
    expect(parseText(CORPUS, 'corpus.txt', 'document').records).toEqual([{ line: 1, fields: { text: 'First story.\nStill first.\n\n\nSecond story.\n  \nThird.' } }]);
  });

  it('gives no records for a text of only whitespace', () => {
    expect(parseText(' \n\n', 'empty.txt').records).toEqual([]);
    expect(parseText(' \n\n', 'empty.txt', 'document').records).toEqual([]);
  });
});

describe('readRecords', () => {
  it('picks the reader by the file extension', () => {
    expect(recordKindOf('data/train.JSONL')).toBe('jsonl');
    expect(recordKindOf('x.ndjson')).toBe('jsonl');
    expect(recordKindOf('x.csv')).toBe('csv');
    expect(recordKindOf('x.txt')).toBe('text');
    expect(readRecords('a,b\n1,2\n', 'x.csv').records[0].fields).toEqual({ a: '1', b: '2' });
    expect(readRecords('one\ntwo\n', 'x.txt', { sampleBy: 'line' }).records).toHaveLength(2);
  });

  it('takes an explicit kind over the extension', () => {
    expect(readRecords('{"text":"a"}', 'stdin', { kind: 'jsonl' }).records[0].fields).toEqual({ text: 'a' });
  });

  it('rejects an unknown extension and says which are known', () => {
    expect(() => readRecords('x', 'train.xlsx')).toThrow(ArgumentError);
    expect(() => readRecords('x', 'train.xlsx')).toThrow('train.xlsx: cannot tell the file kind from its extension; expected .jsonl, .ndjson, .csv, .txt or .parquet (or pass kind)');
    expect(() => readRecords('x', 'train.parquet')).toThrow('train.parquet: Parquet is binary; read it with parseParquet');
  });
});
