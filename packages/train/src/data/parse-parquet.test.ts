import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadParsedDataset } from './load-dataset.js';
import { readDatasetFile, readRecordsFile } from './node.js';
import { parquetBytes, parseParquet } from './parse-parquet.js';
import { parseJsonl } from './parse-jsonl.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures');
const DEMO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'cli', 'assets', 'demo-task', 'train.jsonl');

describe('parseParquet', () => {
  it('reads every row of a snappy file across its row groups, equal to the JSONL it was written from', async () => {
    const parsed = await parseParquet(parquetBytes(readFileSync(join(FIXTURES, 'prompt-completion.parquet'))), 'train.parquet');
    const jsonl = parseJsonl(readFileSync(DEMO, 'utf8').split('\n').slice(0, 8).join('\n'), 'train.jsonl');
    expect(parsed.kind).toBe('parquet');
    expect(parsed.records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parsed.records.map((r) => r.fields)).toEqual(jsonl.records.map((r) => r.fields));
  });

  it('reads zstd pages and 64-bit integer lists as numbers', async () => {
    const parsed = await readRecordsFile(join(FIXTURES, 'tokenized-zstd.parquet'));
    expect(parsed.records[2].fields).toEqual({ input_ids: [10, 11, 12, 13], labels: [-100, -100, 12, 13] });
    const ds = await readDatasetFile(join(FIXTURES, 'tokenized-zstd.parquet'), { vocabSize: 100 });
    expect(ds.examples.map((e) => e.inputIds)).toEqual([[5, 6, 7], [8, 9], [10, 11, 12, 13], [14]]);
  });

  it('gives the per-record errors of text files, naming the row', async () => {
    const parsed = await readRecordsFile(join(FIXTURES, 'bad-record.parquet'), 'bad.parquet');
    expect(() => loadParsedDataset([parsed], 'bad.parquet', { format: 'prompt_completion', vocabSize: 100, tokenizer: undefined })).toThrow(
      /bad\.parquet line 2: "completion" must be a string, got null/,
    );
  });

  it('refuses bytes that are not Parquet with a FileFormatError', async () => {
    await expect(parseParquet(parquetBytes(new TextEncoder().encode('{"prompt": "not parquet"}\n')), 'fake.parquet')).rejects.toThrow(/fake\.parquet: not a readable Parquet file/);
  });
});
