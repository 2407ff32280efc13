import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, open, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { FileFormatError } from '../errors.js';
import { parseSafetensors } from './safetensors.js';
import {
  fileByteSource,
  loadSafetensorsFile,
  loadTensorsFile,
  readSafetensorsFileHeader,
  saveSafetensorsFile,
  saveTensorsFile,
} from './safetensors-file.js';
import { type ByteSource, SAFETENSORS_DECODE_CHUNK_BYTES, readSafetensors } from './safetensors-reader.js';
import { serializeSafetensors } from './safetensors-writer.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/safetensors/', import.meta.url));
const GPT2 = FIXTURES + 'gpt2-model.safetensors';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peft-safetensors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function fileHandlePrototype(): Promise<Record<string, (...args: never[]) => unknown>> {
  const h = await open(GPT2, 'r');
  const proto = Object.getPrototypeOf(h) as Record<string, (...args: never[]) => unknown>;
  await h.close();
  return proto;
}

const bitsEqual = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('loadSafetensorsFile', () => {
  it('reads the GPT-2 model exactly as the in-memory parser does', async () => {
    const fromFile = await loadSafetensorsFile(GPT2);
    const inMemory = parseSafetensors(new Uint8Array(readFileSync(GPT2)));
    expect(fromFile.metadata).toEqual({ format: 'pt' });
    expect([...fromFile.tensors.keys()]).toEqual([...inMemory.tensors.keys()]);
    for (const [name, t] of fromFile.tensors) {
      const m = inMemory.tensors.get(name)!;
      expect(t.shape).toEqual(m.shape);
      expect(bitsEqual(t.data, m.data)).toBe(true);
    }
    // spot values agree through both paths
    const wte = 'transformer.wte.weight';
    expect(fromFile.tensors.get(wte)!.data[123]).toBe(inMemory.tensors.get(wte)!.data[123]);
    expect(fromFile.tensors.get(wte)!.data[3199]).toBe(inMemory.tensors.get(wte)!.data[3199]);
  });

  it('reads BF16 and U8 tensors of the bnb file like the in-memory parser, with raw bytes on request', async () => {
    const path = FIXTURES + 'bnb_4bit_quant.safetensors';
    const inMemory = parseSafetensors(new Uint8Array(readFileSync(path)));
    const fromFile = await loadSafetensorsFile(path, { names: (n) => n.startsWith('w_bf16_64x32'), keepBytes: true });
    expect([...fromFile.tensors.keys()]).toEqual([...inMemory.tensors.keys()].filter((n) => n.startsWith('w_bf16_64x32')));
    expect(fromFile.tensors.size).toBe(19);
    for (const [name, t] of fromFile.tensors) {
      expect(bitsEqual(t.data, inMemory.tensors.get(name)!.data)).toBe(true);
      expect(bitsEqual(t.bytes!, inMemory.tensors.get(name)!.bytes!)).toBe(true);
    }
    const plain = await loadSafetensorsFile(path, { names: ['w_bf16_64x32'] });
    expect(plain.tensors.get('w_bf16_64x32')!.bytes).toBeUndefined();
  });

  it('reads just the header', async () => {
    const h = await readSafetensorsFileHeader(GPT2);
    expect(h.tensors.get('transformer.wte.weight')).toEqual({ dtype: 'F32', shape: [100, 32], dataOffsets: expect.any(Array) });
    expect(h.metadata).toEqual({ format: 'pt' });
  });

  it('names the path in format errors, and reports a truncated file', async () => {
    const path = join(dir, 'truncated.safetensors');
    await writeFile(path, readFileSync(GPT2).subarray(0, 5000));
    const err = await loadSafetensorsFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as FileFormatError).code).toBe('FILE_FORMAT');
    expect((err as Error).message).toContain(`safetensors: ${path}: tensor`);
    expect((err as Error).message).toContain('run past the end of the');
    const huge = join(dir, 'huge-length.safetensors');
    const bytes = new Uint8Array(64);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 60n, true);
    await writeFile(huge, bytes);
    const read = vi.spyOn(await fileHandlePrototype(), 'read');
    await expect(loadSafetensorsFile(huge)).rejects.toThrow(/header length 1152921504606846976 is over the 100000000-byte limit/);
    expect(read.mock.calls.map((c) => c[2])).toEqual([8]); // only the length prefix was read
  });

  it('reports a file that shrinks while it is read', async () => {
    const path = join(dir, 'shrinks.safetensors');
    await writeFile(path, readFileSync(FIXTURES + 'gpt2_lora-adapter.safetensors'));
    const h = await open(path, 'r');
    try {
      const real = fileByteSource(h, (await h.stat()).size, path);
      // the file is cut to 1200 bytes after its header has been read
      const shrinking: ByteSource = { size: real.size, read: async (t, p) => (p > 8 ? (await truncate(path, 1200), real.read(t, p)) : real.read(t, p)) };
      await expect(readSafetensors(shrinking)).rejects.toThrow(/expected \d+ bytes at offset \d+, but the file ended after \d+ \(did it change while reading\?\)/);
    } finally {
      await h.close();
    }
  });
});

describe('loading big tensors', () => {
  const F32_N = 1 << 20; // 4 MiB of F32
  const F16_N = 3 << 19; // 3 MiB of F16
  let path: string;
  let size: number;

  beforeAll(async () => {
    path = join(dir, 'big.safetensors');
    const f32 = new Float32Array(F32_N).map((_, i) => i * 0.5);
    const f16 = new Float32Array(F16_N).map((_, i) => (i % 2048) - 1024);
    await saveSafetensorsFile(path, {
      big: { dtype: 'F32', shape: [1024, 1024], data: f32 },
      half: { dtype: 'F16', shape: [F16_N], data: f16 },
      small: { dtype: 'I32', shape: [3], data: [1, 2, 3] },
    });
    size = (await stat(path)).size;
  });

  it('reads each tensor straight into its own array, in bounded pieces, never the whole file', async () => {
    const h = await open(path, 'r');
    const reads: { length: number; position: number; target: Uint8Array }[] = [];
    try {
      const real = fileByteSource(h, size, path);
      const spy: ByteSource = {
        size,
        read: (target, position) => (reads.push({ length: target.length, position, target }), real.read(target, position)),
      };
      const { tensors, header } = await readSafetensors(spy);
      const big = tensors.get('big')!;
      // 8-byte prefix, header, then the F32 tensor in one read straight into its Float32Array
      expect(reads[0]).toMatchObject({ length: 8, position: 0 });
      expect(reads[1]).toMatchObject({ length: header.headerLength, position: 8 });
      const bigRead = reads.find((r) => r.length === F32_N * 4)!;
      expect(bigRead.target.buffer).toBe(big.data.buffer);
      expect(big.data[F32_N - 1]).toBe((F32_N - 1) * 0.5);
      // the F16 tensor is decoded through a bounded scratch buffer
      const halfStart = header.dataStart + header.tensors.get('half')!.dataOffsets[0];
      const halfReads = reads.filter((r) => r.position >= halfStart && r.position < halfStart + F16_N * 2);
      expect(halfReads.length).toBe(Math.ceil((F16_N * 2) / SAFETENSORS_DECODE_CHUNK_BYTES));
      expect(Math.max(...halfReads.map((r) => r.length))).toBe(SAFETENSORS_DECODE_CHUNK_BYTES);
      expect(tensors.get('half')!.data[F16_N - 1]).toBe(((F16_N - 1) % 2048) - 1024);
      // every byte read exactly once, and no read larger than the largest tensor
      expect(reads.reduce((s, r) => s + r.length, 0)).toBe(size);
      expect(Math.max(...reads.map((r) => r.length))).toBe(F32_N * 4);
    } finally {
      await h.close();
    }
  });

  it('goes through file-handle reads of at most one tensor each in loadSafetensorsFile', async () => {
    const read = vi.spyOn(await fileHandlePrototype(), 'read');
    const { tensors } = await loadSafetensorsFile(path);
    const lengths = read.mock.calls.map((c) => c[2] as unknown as number);
    expect(lengths.reduce((s, n) => s + n, 0)).toBe(size);
    expect(Math.max(...lengths)).toBe(F32_N * 4);
    expect(tensors.get('small')!.data).toEqual(new Int32Array([1, 2, 3]));
  });
});

describe('atomic saves', () => {
  const tensorsV1 = { w: { dtype: 'F32' as const, shape: [2], data: [1, 2] } };

  async function freshTarget(name: string): Promise<{ path: string; before: Buffer; folder: string }> {
    const folder = await mkdtemp(join(dir, 'atomic-'));
    const path = join(folder, name);
    await saveSafetensorsFile(path, tensorsV1, { format: 'pt' });
    return { path, before: await readFile(path), folder };
  }

  it('writes exactly the serialized bytes and replaces the previous file, keeping its permissions', async () => {
    const { path, before, folder } = await freshTarget('adapter_model.safetensors');
    expect(before.equals(Buffer.from(serializeSafetensors(tensorsV1, { format: 'pt' })))).toBe(true);
    await chmod(path, 0o600);
    const v2 = { w: { dtype: 'F16' as const, shape: [3], data: [3, 4, 5] } };
    await saveSafetensorsFile(path, v2);
    expect((await readFile(path)).equals(Buffer.from(serializeSafetensors(v2)))).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(folder)).toEqual(['adapter_model.safetensors']);
  });

  it('leaves the previous file intact and no temp file when encoding fails part-way', async () => {
    const { path, before, folder } = await freshTarget('model.safetensors');
    const poisoned = new Proxy([0, 0, 0, 0], {
      get(target, key) {
        if (key === '2') throw new Error('boom while encoding');
        return Reflect.get(target, key);
      },
    });
    const failing = { a: { dtype: 'F32' as const, shape: [2], data: [1, 2] }, b: { dtype: 'F16' as const, shape: [4], data: poisoned } };
    await expect(saveSafetensorsFile(path, failing)).rejects.toThrow('boom while encoding');
    expect((await readFile(path)).equals(before)).toBe(true);
    expect(await readdir(folder)).toEqual(['model.safetensors']);
  });

  it('leaves the previous file intact and no temp file when the disk write fails', async () => {
    const { path, before, folder } = await freshTarget('model.safetensors');
    const big = new Float32Array(1 << 19); // 2 MiB, past the write buffer, so several writes happen
    const write = vi
      .spyOn(await fileHandlePrototype(), 'write')
      .mockImplementation(() => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })));
    await expect(saveSafetensorsFile(path, { big: { dtype: 'F32', shape: [big.length], data: big } })).rejects.toThrow('ENOSPC');
    expect(write).toHaveBeenCalledTimes(1);
    expect((await readFile(path)).equals(before)).toBe(true);
    expect(await readdir(folder)).toEqual(['model.safetensors']);
  });

  it('leaves nothing behind when the folder does not exist', async () => {
    await expect(saveSafetensorsFile(join(dir, 'missing', 'x.safetensors'), tensorsV1)).rejects.toThrow(/ENOENT/);
    expect((await readdir(dir)).some((n) => n.includes('.tmp'))).toBe(false);
  });

  it('saves and loads tensors through files, reproducing a Python-written model byte for byte', async () => {
    const cpu = createCpuBackend();
    const source = FIXTURES + 'bert-model.safetensors';
    const { tensors, metadata, dtypes } = await loadTensorsFile(source, { backend: cpu });
    const out = join(dir, 'bert-copy.safetensors');
    await saveTensorsFile(out, tensors, { metadata, dtypes });
    expect((await readFile(out)).equals(await readFile(source))).toBe(true);
  });
});
