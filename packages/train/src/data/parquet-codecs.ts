import { FileFormatError } from '@peft/core';
import { decompress as decompressZstd } from 'fzstd';
import type { CompressionCodec, Compressors } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

/**
 * The most a compressed page may expand to: 4096 times its compressed bytes, plus 1 MiB. Real pages
 * stay far below (dictionary and run-length encoding come before compression); a page header that
 * claims more is corrupt, and honouring it would allocate gigabytes for a few bytes of file.
 */
function pageLimit(compressed: number): number {
  return 4096 * compressed + 2 ** 20;
}

/**
 * hyparquet's decompressors (hyparquet-compressors: snappy, gzip, brotli, zstd, lz4), each refusing a
 * page whose header claims an uncompressed size that is not a whole number or past {@link pageLimit}
 * (a `FileFormatError`), and zstd decoding into a buffer of the header's size (left to itself, it
 * allocates whatever the frame header claims).
 *
 * @example
 * ```ts
 * const rows = await parquetReadObjects({ file, compressors: boundedCompressors(label) });
 * ```
 */
export function boundedCompressors(label: string): Compressors {
  const out: Compressors = {};
  const zstd = (input: Uint8Array, length: number): Uint8Array => decompressZstd(input, new Uint8Array(length));
  for (const [codec, decode] of Object.entries({ ...compressors, ZSTD: zstd }) as [CompressionCodec, (input: Uint8Array, length: number) => Uint8Array][]) {
    out[codec] = (input, length) => {
      if (!Number.isSafeInteger(length) || length < 0 || length > pageLimit(input.length)) {
        throw new FileFormatError(`${label}: a ${codec} page of ${input.length} bytes claims to hold ${length} bytes uncompressed; the page header is corrupt`);
      }
      return decode(input, length);
    };
  }
  return out;
}
