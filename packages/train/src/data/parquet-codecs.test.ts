import { gzipSync } from 'node:zlib';
import { FileFormatError } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { boundedCompressors } from './parquet-codecs.js';

describe('boundedCompressors', () => {
  const codecs = boundedCompressors('train.parquet');

  it('decodes pages of the size their header gives', () => {
    const text = new TextEncoder().encode('prompt completion '.repeat(50));
    expect(codecs.GZIP!(new Uint8Array(gzipSync(text)), text.length)).toEqual(text);
  });

  it('refuses a page header that claims far more than its bytes can expand to, naming the codec and sizes', () => {
    const page = new Uint8Array(gzipSync(new Uint8Array(100)));
    expect(() => codecs.GZIP!(page, 2 ** 31)).toThrow(FileFormatError);
    expect(() => codecs.GZIP!(page, 2 ** 31)).toThrow(`train.parquet: a GZIP page of ${page.length} bytes claims to hold 2147483648 bytes uncompressed; the page header is corrupt`);
    expect(() => codecs.SNAPPY!(page, -1)).toThrow(/a SNAPPY page of \d+ bytes claims to hold -1 bytes/);
  });

  it('decodes zstd into the size the page header gives, not the size the zstd frame claims (1 GiB here)', () => {
    // a zstd frame header: magic, single segment with a 4-byte content size of 2^30, then a truncated block
    const frame = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x00, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00]);
    const before = process.memoryUsage().arrayBuffers;
    try {
      codecs.ZSTD!(frame, 64);
    } catch {
      // a broken frame may fail to decode; what matters is what it allocated
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
  });
});
