import { memorySource } from '../../../packages/core/src/index.js';
import { loadTokenizer } from '../../../packages/models/src/index.js';
import { loadParsedDataset, parquetBytes, parseParquet } from '../../../packages/train/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { type FuzzRandom, mutateBytes } from '../fuzz-random.js';
import { seedBytes, seedText } from './seed-files.js';

/** The Parquet files pyarrow wrote for the data tests (tools/parquet-fixtures.py): snappy and zstd pages, several row groups, int64 lists. */
const SEEDS = ['prompt-completion.parquet', 'tokenized-zstd.parquet', 'bad-record.parquet'];

/**
 * Edits inside the footer (the Thrift metadata before the trailing length and `PAR1`): the part that
 * says where pages are and how large they are, so that most edits still reach the page reader.
 */
function mutateFooter(r: FuzzRandom, file: Uint8Array): Uint8Array {
  const out = file.slice();
  const n = out.length;
  if (n < 12) return mutateBytes(r, out);
  const footerLength = new DataView(out.buffer, out.byteOffset).getUint32(n - 8, true);
  const start = Math.max(4, n - 8 - footerLength);
  const span = n - 8 - start;
  if (span <= 0) return mutateBytes(r, out);
  for (let k = 1 + r.int(4); k > 0; k--) {
    const at = start + r.int(span);
    out[at] = r.chance(0.5) ? out[at] ^ (1 << r.int(8)) : r.pick([0x00, 0x01, 0x7f, 0x80, 0xff, 0x15, 0x16, 0x19, 0x1c]);
  }
  return out;
}

/** Changes the footer length (the 4 bytes before the trailing `PAR1`) to a hostile value. */
function mutateFooterLength(r: FuzzRandom, file: Uint8Array): Uint8Array {
  const out = file.slice();
  if (out.length < 8) return out;
  const value = r.pick([0, 1, 7, out.length - 8, out.length - 7, out.length, 0x7fffffff, 0xffffffff, r.int(out.length)]);
  new DataView(out.buffer, out.byteOffset).setUint32(out.length - 8, value >>> 0, true);
  return out;
}

/**
 * Parquet files written by pyarrow (prompt/completion in row groups of 3 rows with snappy pages,
 * pre-tokenized int64 lists with zstd pages, a file with a mistyped record), mutated anywhere, in
 * the footer's metadata or its length, through `parseParquet` (hyparquet, one row group at a time)
 * and `loadParsedDataset` with the byte-level BPE fixture tokenizer.
 *
 * @example
 * ```ts
 * await runFuzzTarget(parquetTarget, { seed: 1, count: 100 });
 * ```
 */
export const parquetTarget: FuzzTarget = {
  name: 'parquet',
  description: 'train.parquet → parseParquet → loadParsedDataset',
  async prepare() {
    const files = await Promise.all(SEEDS.map(async (name) => ({ name, bytes: await seedBytes(`packages/train/test/fixtures/${name}`) })));
    const dir = 'packages/models/test/fixtures/tokenizers/byte-bpe/';
    const tokenizer = await loadTokenizer(
      memorySource({ 'tokenizer.json': await seedText(dir + 'tokenizer.json'), 'tokenizer_config.json': await seedText(dir + 'tokenizer_config.json') }),
    );
    return (r) => {
      const seed = r.pick(files);
      const how = r.chance(0.04) ? 'clean' : r.pick(['bytes', 'footer', 'footer', 'footer-length', 'pages']);
      let bytes = seed.bytes;
      if (how === 'bytes') bytes = mutateBytes(r, bytes);
      else if (how === 'footer') bytes = mutateFooter(r, bytes);
      else if (how === 'footer-length') bytes = mutateFooterLength(r, bytes);
      else if (how === 'pages') {
        // flip bytes among the data pages only (between the leading PAR1 and the footer)
        bytes = bytes.slice();
        const end = Math.max(5, bytes.length - 8 - new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true));
        for (let k = 1 + r.int(6); k > 0; k--) bytes[4 + r.int(end - 4)] ^= 1 << r.int(8);
      }
      return {
        kind: how,
        bytes: bytes.length,
        run: async () => {
          const parsed = await parseParquet(parquetBytes(bytes), seed.name);
          loadParsedDataset([parsed], seed.name, { tokenizer, maxLength: 32, completionOnlyLoss: r.chance(0.5) });
        },
      };
    };
  },
};
