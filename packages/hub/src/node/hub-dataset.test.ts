import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockHub, startMockHub } from '@peft/testing/mock-hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDataFiles } from './hub-dataset.js';

let hub: MockHub;
beforeAll(async () => {
  hub = await startMockHub();
  hub.addRepo('dataset', 'org/data', {
    'README.md': '# data',
    'data/train-00000-of-00002.parquet': new Uint8Array([1]),
    'data/train-00001-of-00002.parquet': new Uint8Array([2]),
    'data/validation-00000-of-00001.parquet': new Uint8Array([3]),
  });
  hub.addRepo('dataset', 'org/plain', { 'notes.jsonl': '{"text": "a"}\n', 'more.jsonl': '{"text": "b"}\n' });
});
afterAll(() => hub.close());

const opts = (): Record<string, unknown> => ({ endpoint: hub.url, cacheDir: mkdtempSync(join(tmpdir(), 'peft-hub-data-')), env: {}, progress: null });

describe('hubDataFiles', () => {
  it('fetches one file named by an hf:// URL into the dataset cache', async () => {
    const o = opts();
    const [file] = await hubDataFiles('hf://datasets/org/data/data/validation-00000-of-00001.parquet', o);
    expect(file.label).toBe('hf://datasets/org/data/data/validation-00000-of-00001.parquet');
    expect(file.path.startsWith(join(o.cacheDir as string, 'datasets--org--data', 'snapshots'))).toBe(true);
    expect([...readFileSync(file.path)]).toEqual([3]);
  });

  it('reads the data files of a split, in order, from an id', async () => {
    const files = await hubDataFiles('org/data', opts());
    expect(files.map((f) => f.label)).toEqual(['hf://datasets/org/data/data/train-00000-of-00002.parquet', 'hf://datasets/org/data/data/train-00001-of-00002.parquet']);
    expect((await hubDataFiles('hf://datasets/org/data', { ...opts(), split: 'validation' })).map((f) => [...readFileSync(f.path)])).toEqual([[3]]);
  });

  it('takes every data file as train when none names a split, and says which splits exist otherwise', async () => {
    expect((await hubDataFiles('org/plain', opts())).map((f) => f.label)).toEqual(['hf://datasets/org/plain/more.jsonl', 'hf://datasets/org/plain/notes.jsonl']);
    await expect(hubDataFiles('org/data', { ...opts(), split: 'test' })).rejects.toThrow(/no data files for split "test" \(data files: data\/train-00000-of-00002\.parquet/);
    await expect(hubDataFiles('hf://datasets/org/data/missing.jsonl', opts())).rejects.toThrow(/missing\.jsonl: no such file/);
  });
});
