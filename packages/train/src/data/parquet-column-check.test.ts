import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parquetBytes, parseParquet } from './parse-parquet.js';

const FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'prompt-completion.parquet');

/** The fixture with the last `completion` in its footer (a row group's column chunk path) renamed to `completiom`. */
function withRenamedChunk(): Uint8Array {
  const bytes = new Uint8Array(readFileSync(FILE));
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.lastIndexOf('completion');
  bytes[at + 'completion'.length - 1] = 'm'.charCodeAt(0);
  return bytes;
}

describe('checkParquetColumns (through parseParquet)', () => {
  it('refuses a row group whose column chunk names a column the schema lacks, instead of reading it and dropping it', async () => {
    const crashes: unknown[] = [];
    const listen = (e: unknown): void => void crashes.push(e);
    process.on('unhandledRejection', listen);
    try {
      await expect(parseParquet(parquetBytes(withRenamedChunk()), 'train.parquet')).rejects.toThrow(
        /train\.parquet: row group 2 has a column chunk for "completiom", which the schema does not declare \(columns: prompt, completion\)/,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', listen);
    }
    expect(crashes).toEqual([]);
  });

  it('refuses a schema element with a negative child count (the GeoParquet pass of hyparquet looped forever on it)', async () => {
    // tokenized-zstd.parquet with its footer edited by the fuzzer (pnpm fuzz --only parquet --seed 1 --count 10000, input 8562)
    const bytes = readFileSync(join(dirname(FILE), 'fuzz', 'negative-num-children.parquet'));
    await expect(parseParquet(parquetBytes(bytes), 'train.parquet')).rejects.toThrow('train.parquet: the schema gives the column "input_ids" -1 children; expected a count of 0 or more');
  }, 10_000);

  it('passes the files pyarrow writes', async () => {
    await expect(parseParquet(parquetBytes(readFileSync(FILE)), 'train.parquet')).resolves.toMatchObject({ kind: 'parquet' });
  });
});
