import { describe, expect, it } from 'vitest';
import { ConfigError, FileFormatError } from '@peft/core';
import { checkFormat, inferFormat } from './dataset-format.js';
import { tokenizeDataset } from './tokenize-dataset.js';
import { formatRecords } from './format-records.js';
import { parseCsv } from './parse-csv.js';
import { parseJsonl } from './parse-jsonl.js';
import { parseText } from './parse-text.js';

const jsonl = (...rows: unknown[]) => parseJsonl(rows.map((r) => JSON.stringify(r)).join('\n'), 'train.jsonl');

describe('inferFormat', () => {
  it('infers each format from the first record’s fields', () => {
    const infer = (fields: Record<string, unknown>) => inferFormat({ line: 1, fields }, 'train.jsonl');
    expect(infer({ input_ids: [1], labels: [1] })).toBe('tokenized');
    expect(infer({ messages: [] })).toBe('chat');
    expect(infer({ prompt: 'a', completion: 'b' })).toBe('prompt_completion');
    expect(infer({ text: 'a', label: 1 })).toBe('classification');
    expect(infer({ text: 'a', source: 'web' })).toBe('text');
  });

  it('lists the fields it found when no format fits', () => {
    expect(() => inferFormat({ line: 1, fields: { question: 'q', answer: 'a' } }, 'train.jsonl')).toThrow(ConfigError);
    expect(() => inferFormat({ line: 1, fields: { question: 'q', answer: 'a' } }, 'train.jsonl')).toThrow(/^train\.jsonl line 1: cannot infer the dataset format from the fields \[question, answer\]/);
  });

  it('checks a format name from a config', () => {
    expect(checkFormat('chat', 'data.format')).toBe('chat');
    expect(() => checkFormat('instructions', 'data.format')).toThrow('data.format: expected one of "tokenized", "text", "prompt_completion", "chat", "classification", got "instructions"');
  });
});

describe('formatRecords', () => {
  it('validates every record and keeps its line', () => {
    const ds = formatRecords(jsonl({ prompt: 'Q1', completion: 'A1', id: 7 }, { prompt: 'Q2', completion: 'A2' }));
    expect(ds.format).toBe('prompt_completion');
    expect(ds.records).toEqual([
      { format: 'prompt_completion', line: 1, prompt: 'Q1', completion: 'A1' },
      { format: 'prompt_completion', line: 2, prompt: 'Q2', completion: 'A2' },
    ]);
  });

  it('rejects an empty dataset with a clear error', () => {
    expect(() => formatRecords(parseJsonl('\n', 'train.jsonl'))).toThrow('train.jsonl: the dataset is empty (no records)');
    expect(() => formatRecords(parseCsv('text,label\n', 'train.csv'))).toThrow('train.csv: the dataset is empty (no records after the header row)');
    expect(() => formatRecords(parseText('\n', 'corpus.txt'))).toThrow(FileFormatError);
  });

  it('names the line and field of a value of the wrong type', () => {
    const ds = jsonl({ prompt: 'a', completion: 'b' }, { prompt: 'c', completion: 'd' }, { prompt: 'e', completion: 5 });
    expect(() => formatRecords(ds)).toThrow(FileFormatError);
    expect(() => formatRecords(ds)).toThrow('train.jsonl line 3: "completion" must be a string, got number');
  });

  it('names the line and field that is missing', () => {
    expect(() => formatRecords(jsonl({ prompt: 'a', completion: 'b' }, { prompt: 'c' }))).toThrow('train.jsonl line 2: missing field "completion" (format prompt_completion)');
    expect(() => formatRecords(jsonl({ text: 'a' }), 'chat')).toThrow('train.jsonl line 1: missing field "messages" (format chat)');
  });

  it('checks chat messages one by one', () => {
    const bad = (messages: unknown) => () => formatRecords(jsonl({ messages }));
    expect(bad('hi')).toThrow('train.jsonl line 1: "messages" must be an array of {role, content}, got string');
    expect(bad([])).toThrow('train.jsonl line 1: "messages" must not be empty');
    expect(bad([{ role: 'user', content: 'hi' }, 'x'])).toThrow('train.jsonl line 1: "messages[1]" must be an object {role, content}, got string');
    expect(bad([{ role: 'user' }])).toThrow('train.jsonl line 1: "messages[0]" is missing "content"');
    expect(bad([{ role: 'user', content: null }])).toThrow('train.jsonl line 1: "messages[0].content" must be a string, got null');
  });

  it('checks pre-tokenized records: integer ids, mask and label lengths', () => {
    const bad = (fields: Record<string, unknown>) => () => formatRecords(jsonl({ input_ids: [1, 2] }, fields));
    expect(bad({ input_ids: 'abc' })).toThrow('train.jsonl line 2: "input_ids" must be an array of integers, got string');
    expect(bad({ input_ids: [1, 2.5] })).toThrow('train.jsonl line 2: "input_ids[1]" must be an integer, got 2.5');
    expect(bad({ input_ids: [1, '2'] })).toThrow('train.jsonl line 2: "input_ids[1]" must be an integer, got string');
    expect(bad({ input_ids: [-1] })).toThrow('train.jsonl line 2: "input_ids[0]" must be a non-negative token id, got -1');
    expect(bad({ input_ids: [] })).toThrow('train.jsonl line 2: "input_ids" must not be empty');
    expect(bad({ input_ids: [1, 2], attention_mask: [1] })).toThrow('train.jsonl line 2: "attention_mask" must have as many entries as "input_ids" (2), got 1');
    expect(bad({ input_ids: [1, 2], attention_mask: [1, 2] })).toThrow('train.jsonl line 2: "attention_mask[1]" must be 0 or 1, got 2');
    expect(bad({ input_ids: [1, 2], labels: [1, -5] })).toThrow('train.jsonl line 2: "labels[1]" must be a non-negative token id or -100, got -5');
    // labels of another length are an encoder-decoder's targets; a causal LM refuses them when tokenizing
    const targets = formatRecords(jsonl({ input_ids: [1, 2] }, { input_ids: [1, 2], labels: [1, 2, 3] }));
    expect(targets.records[1]).toMatchObject({ labels: [1, 2, 3] });
    expect(() => tokenizeDataset(targets, { vocabSize: 10 })).toThrow('train.jsonl line 2: "labels" must have as many entries as "input_ids" (2), got 3');
    expect(() => tokenizeDataset(targets, { vocabSize: 10, seq2seq: true })).toThrow('train.jsonl line 1: an encoder-decoder\'s tokenized record needs "labels"');
    const pairs = formatRecords(jsonl({ input_ids: [1, 2], labels: [4] }, { input_ids: [1, 2], labels: [1, 2, 3] }));
    expect(tokenizeDataset(pairs, { vocabSize: 10, seq2seq: true }).examples[1]).toEqual({ inputIds: [1, 2], attentionMask: [1, 1], labels: [1, 2, 3], seq2seq: true });
  });

  it('reads pre-tokenized labels as token lists or a class id', () => {
    const ds = formatRecords(jsonl({ input_ids: [1, 2], attention_mask: [1, 0], labels: [-100, 2] }, { input_ids: [3], labels: 1 }));
    expect(ds.records).toEqual([
      { format: 'tokenized', line: 1, inputIds: [1, 2], attentionMask: [1, 0], labels: [-100, 2] },
      { format: 'tokenized', line: 2, inputIds: [3], attentionMask: undefined, labels: 1 },
    ]);
  });

  it('reads classification labels as ids or names, and CSV cells of digits as ids', () => {
    expect(formatRecords(jsonl({ text: 'a', label: 'pos' }, { text: 'b', label: '1' })).records.map((r) => (r.format === 'classification' ? r.label : undefined))).toEqual(['pos', '1']);
    expect(formatRecords(parseCsv('text,label\na,1\nb,0\n', 'train.csv')).records.map((r) => (r.format === 'classification' ? r.label : undefined))).toEqual([1, 0]);
  });

  it('rejects bad classification labels and a mix of ids and names', () => {
    expect(() => formatRecords(jsonl({ text: 'a', label: 1.5 }))).toThrow('train.jsonl line 1: "label" must be a non-negative integer class id or a class name, got 1.5');
    expect(() => formatRecords(jsonl({ text: 'a', label: true }))).toThrow('train.jsonl line 1: "label" must be an integer class id or a string class name, got boolean');
    expect(() => formatRecords(jsonl({ text: 'a', label: 1 }, { text: 'b', label: 'pos' }))).toThrow('train.jsonl line 2: "label" must be an integer class id like the labels before it, got "pos"');
    expect(() => formatRecords(parseCsv('text,label\na,pos\nb,1\n', 'train.csv'))).toThrow('train.csv line 3: "label" must be a class name like the labels before it, got 1');
  });

  it('uses a given format instead of inferring one', () => {
    const ds = formatRecords(jsonl({ text: 'a', label: 1 }), 'text');
    expect(ds.records).toEqual([{ format: 'text', line: 1, text: 'a' }]);
  });
});
