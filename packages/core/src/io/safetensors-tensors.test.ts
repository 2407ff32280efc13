import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { DTypeError } from '../errors.js';
import { fromArray } from '../ops/creation.js';
import { testBackends } from '../test-support/backends.js';
import { parseSafetensors } from './safetensors.js';
import { loadSafetensorsTensors, serializeTensors, tensorsFromSafetensors } from './safetensors-tensors.js';
import { serializeSafetensors } from './safetensors-writer.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/safetensors/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(FIXTURES + name));

const backends = await testBackends();

describe.each(backends)('safetensors ↔ tensors on $name', ({ backend }) => {
  it('loads the LLaMA model into tensors and saves them back byte for byte', async () => {
    const bytes = fixture('llama-model.safetensors');
    const { tensors, metadata, dtypes } = loadSafetensorsTensors(bytes, { backend });
    expect(tensors.size).toBe(parseSafetensors(bytes).tensors.size);
    const q = tensors.get('model.layers.0.self_attn.q_proj.weight')!;
    expect(q.shape).toEqual([32, 32]);
    expect(q.dtype).toBe('f32');
    expect(q.backend).toBe(backend);
    const again = await serializeTensors(tensors, { metadata, dtypes });
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    for (const t of tensors.values()) t.dispose();
  });

  it('maps file dtypes to tensor dtypes and back', async () => {
    const bytes = serializeSafetensors({
      h: { dtype: 'F16', shape: [2], data: [0.5, -3] },
      b: { dtype: 'BF16', shape: [1], data: [1.5] },
      ids: { dtype: 'I64', shape: [3], data: [1, -2, 3] },
      mask: { dtype: 'BOOL', shape: [2], bytes: new Uint8Array([0, 2]) },
      codes: { dtype: 'U8', shape: [2], data: [7, 255] },
      u: { dtype: 'U32', shape: [1], data: [4_000_000_000] },
    });
    const { tensors, dtypes } = loadSafetensorsTensors(bytes, { backend });
    const dt = Object.fromEntries([...tensors].map(([n, t]) => [n, t.dtype]));
    expect(dt).toEqual({ ids: 'i32', h: 'f32', b: 'f32', u: 'u32', codes: 'i32', mask: 'bool' });
    expect(Array.from(await tensors.get('h')!.data())).toEqual([0.5, -3]);
    expect(Array.from(await tensors.get('ids')!.data<Int32Array>())).toEqual([1, -2, 3]);
    expect(Array.from(await tensors.get('mask')!.data<Uint8Array>())).toEqual([0, 1]);
    expect(Array.from(await tensors.get('codes')!.data<Int32Array>())).toEqual([7, 255]);
    expect(Array.from(await tensors.get('u')!.data<Uint32Array>())).toEqual([4_000_000_000]);
    // written back with the recorded dtypes: identical except the non-canonical bool byte
    const again = parseSafetensors(await serializeTensors(tensors, { dtypes }));
    for (const [n, t] of parseSafetensors(bytes).tensors) {
      expect(again.tensors.get(n)!.dtype).toBe(t.dtype);
      if (n !== 'mask') expect(Array.from(again.tensors.get(n)!.bytes!)).toEqual(Array.from(t.bytes!));
    }
    expect(Array.from(again.tensors.get('mask')!.bytes!)).toEqual([0, 1]);
    for (const t of tensors.values()) t.dispose();
  });
});

describe('safetensors ↔ tensors (CPU)', () => {
  const cpu = createCpuBackend();

  it('keeps f16 tensors as f16 when asked, and saves them as F16 by default', async () => {
    const bytes = serializeSafetensors({ h: { dtype: 'F16', shape: [3], data: [0.1, 65504, -0] } });
    const { tensors } = loadSafetensorsTensors(bytes, { backend: cpu, floatDType: 'f16' });
    expect(tensors.get('h')!.dtype).toBe('f16');
    expect(Buffer.from(await serializeTensors(tensors)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('saves a record of tensors with metadata and per-name dtypes', async () => {
    const w = fromArray([1, 2, 3, 4], [2, 2], { backend: cpu });
    const pos = fromArray([0, 1, 2], [1, 3], { dtype: 'i32', backend: cpu });
    const bytes = await serializeTensors({ w, position_ids: pos }, { metadata: { format: 'pt' }, dtypes: { w: 'BF16', position_ids: 'I64' } });
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.get('w')!.dtype).toBe('BF16');
    expect(tensors.get('position_ids')!.dtype).toBe('I64');
    expect(Array.from(tensors.get('position_ids')!.data)).toEqual([0, 1, 2]);
    // Map input and dtypes as a Map give the same bytes
    const viaMap = await serializeTensors(new Map([['w', w], ['position_ids', pos]]), {
      metadata: { format: 'pt' },
      dtypes: new Map([['w', 'BF16'], ['position_ids', 'I64']] as const),
    });
    expect(Buffer.from(viaMap).equals(Buffer.from(bytes))).toBe(true);
  });

  it('disposes the tensors it made when a later one cannot be created', () => {
    const limited = createCpuBackend();
    Object.defineProperty(limited, 'dtypes', { value: new Set(['f32']) });
    const contents = parseSafetensors(
      serializeSafetensors({ a: { dtype: 'F32', shape: [1], data: [1] }, b: { dtype: 'I32', shape: [1], data: [1] } }),
    );
    const before = limited.memory().liveBuffers;
    expect(() => tensorsFromSafetensors(contents, { backend: limited })).toThrow(DTypeError);
    expect(() => tensorsFromSafetensors(contents, { backend: limited })).toThrow('cannot hold i32');
    expect(limited.memory().liveBuffers).toBe(before);
  });
});
