import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../errors.js';
import { parseSafetensors } from './safetensors.js';
import { serializeSafetensors } from './safetensors-writer.js';
import { type ByteSource, blobByteSource, readSafetensors, readSafetensorsHeader } from './safetensors-reader.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/safetensors/', import.meta.url));
const bnb = new Uint8Array(readFileSync(FIXTURES + 'bnb_4bit_quant.safetensors'));

describe('readSafetensors over a Blob', () => {
  it('gives the same tensors as the in-memory parser', async () => {
    const fromBlob = await readSafetensors(blobByteSource(new Blob([bnb])), { keepBytes: true });
    const inMemory = parseSafetensors(bnb);
    expect(fromBlob.metadata).toEqual(inMemory.metadata);
    expect([...fromBlob.tensors.keys()]).toEqual([...inMemory.tensors.keys()]);
    for (const [name, t] of fromBlob.tensors) {
      const m = inMemory.tensors.get(name)!;
      expect(t.dtype).toBe(m.dtype);
      expect(Buffer.from(t.bytes!).equals(Buffer.from(m.bytes!))).toBe(true);
      expect(Buffer.from(t.data.buffer).equals(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength))).toBe(true);
    }
  });

  it('reads only the header, and never more than 8 bytes of a file with an absurd length', async () => {
    const header = await readSafetensorsHeader(blobByteSource(new Blob([bnb])));
    expect(header.tensors.get('w_bf16_64x32')).toEqual({ dtype: 'BF16', shape: [64, 32], dataOffsets: [645828, 649924] });
    const bad = bnb.slice(0, 4096);
    new DataView(bad.buffer).setBigUint64(0, 2n ** 40n, true);
    const reads: number[] = [];
    const source = blobByteSource(new Blob([bad]));
    const spy: ByteSource = { size: source.size, read: (t, p) => (reads.push(t.length), source.read(t, p)) };
    await expect(readSafetensors(spy)).rejects.toThrow(FileFormatError);
    expect(reads).toEqual([8]);
  });

  it('reports a blob that is shorter than it claims', async () => {
    const short = blobByteSource(new Blob([bnb.subarray(0, 100)]));
    const lying: ByteSource = { size: bnb.length, read: (t, p) => short.read(t, p) };
    await expect(readSafetensors(lying)).rejects.toThrow(/expected \d+ bytes at offset 8, got 92/);
  });
});

describe('16-bit tensors read as their bits (rawHalves)', () => {
  it('come back as the file’s Uint16 bits from the reader and the in-memory parser alike, other dtypes decoded', async () => {
    const bits = Uint16Array.of(0x3f80, 0xc000, 0x7fc1, 0x0001, 0x8000);
    const bytes = serializeSafetensors(
      new Map([
        ['h', { dtype: 'BF16' as const, shape: [5], bytes: new Uint8Array(bits.buffer) }],
        ['f', { dtype: 'F32' as const, shape: [2], data: Float32Array.of(1.5, -2) }],
      ]),
    );
    const fromBlob = await readSafetensors(blobByteSource(new Blob([new Uint8Array(bytes)])), { rawHalves: true });
    const parsed = parseSafetensors(bytes, { rawHalves: true });
    for (const c of [fromBlob, parsed]) {
      expect(c.tensors.get('h')!.data).toEqual(bits);
      expect(c.tensors.get('f')!.data).toEqual(Float32Array.of(1.5, -2));
    }
    expect(parseSafetensors(bytes).tensors.get('h')!.data).toBeInstanceOf(Float32Array);
  });
});
