import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '@peft/core';
import type { PretrainedTokenizer } from '@peft/models';
import { loadDataset } from './load-dataset.js';
import { readDatasetFile } from './node.js';
import { fixtureTokenizer } from '../test-support/data-fixtures.js';

let bpe: PretrainedTokenizer;
beforeAll(async () => {
  bpe = await fixtureTokenizer('byte-bpe');
});

describe('loadDataset', () => {
  it('reads, infers the format and tokenizes in one call', () => {
    const ds = loadDataset('{"prompt":"Hello","completion":" world"}\n', 'train.jsonl', { tokenizer: bpe, completionOnlyLoss: true });
    expect(ds.format).toBe('prompt_completion');
    expect(ds.examples[0].inputIds).toEqual([...bpe.encode('Hello world'), bpe.eosTokenId]);
  });

  it('reads plain text documents split at blank lines', () => {
    const ds = loadDataset('Hello world\n\nHello\n', 'corpus.txt', { tokenizer: bpe, appendEos: false });
    expect(ds.format).toBe('text');
    expect(ds.examples.map((e) => e.inputIds)).toEqual([bpe.encode('Hello world'), bpe.encode('Hello')]);
  });

  it('passes the format and reader options through', () => {
    const ds = loadDataset('text,label\nHello,1\n', 'train.csv', { tokenizer: bpe, format: 'text' });
    expect(ds.format).toBe('text');
    expect(loadDataset('a\nb\n', 'c.txt', { tokenizer: bpe, sampleBy: 'line' }).examples).toHaveLength(2);
  });
});

describe('readDatasetFile', () => {
  it('reads a file from disk and names it by its path in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-data-'));
    const good = join(dir, 'train.jsonl');
    writeFileSync(good, '{"text":"Hello"}\n');
    expect((await readDatasetFile(good, { tokenizer: bpe })).examples).toHaveLength(1);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"text":"Hello"}\n{"text": }\n');
    await expect(readDatasetFile(bad, { tokenizer: bpe })).rejects.toThrow(`${bad} line 2: invalid JSON (`);
    await expect(readDatasetFile(join(dir, 'missing.jsonl'), { tokenizer: bpe })).rejects.toThrow(FileFormatError);
    await expect(readDatasetFile(join(dir, 'missing.jsonl'), { tokenizer: bpe })).rejects.toThrow(/missing\.jsonl: cannot read the data file/);
  });
});
