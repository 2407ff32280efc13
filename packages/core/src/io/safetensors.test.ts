import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../errors.js';
import { parseSafetensors, parseSafetensorsFileHeader } from './safetensors.js';
import { serializeSafetensors } from './safetensors-writer.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/safetensors/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(FIXTURES + name));

interface Expected {
  metadata: Record<string, string>;
  keys: Record<string, number[]>;
  header_order?: string[];
  dtypes?: Record<string, string>;
  spots: { name: string; index: number; f32_bits?: number; value?: number }[];
}
const expected = JSON.parse(readFileSync(FIXTURES + 'expected.json', 'utf8')) as Record<string, Expected>;
const FILES = Object.keys(expected);

function bitsOf(v: number): number {
  return new Uint32Array(new Float32Array([v]).buffer)[0];
}

describe('parseSafetensors on files written by Python', () => {
  it('loads the GPT-2 model with exactly the names, shapes and metadata that index.json lists', () => {
    const { metadata, tensors } = parseSafetensors(fixture('gpt2-model.safetensors'));
    const want = expected['gpt2-model.safetensors'];
    expect(metadata).toEqual({ format: 'pt' });
    expect(metadata).toEqual(want.metadata);
    expect([...tensors.keys()].sort()).toEqual(Object.keys(want.keys).sort());
    for (const [name, t] of tensors) {
      expect(t.shape).toEqual(want.keys[name]);
      expect(t.dtype).toBe('F32');
      expect(t.data).toBeInstanceOf(Float32Array);
      expect(t.data.length).toBe(want.keys[name].reduce((a, b) => a * b, 1));
    }
    expect(tensors.has('lm_head.weight')).toBe(false); // tied to wte in GPT-2
  });

  it.each(FILES)('reads %s with the expected names, shapes, metadata and spot values', (file) => {
    const want = expected[file];
    const { metadata, tensors, header } = parseSafetensors(fixture(file));
    expect(metadata).toEqual(want.metadata);
    expect(Object.fromEntries([...tensors].map(([n, t]) => [n, [...t.shape]]))).toEqual(want.keys);
    if (want.header_order) expect([...header.tensors.keys()]).toEqual(want.header_order);
    if (want.dtypes) expect(Object.fromEntries([...tensors].map(([n, t]) => [n, t.dtype]))).toEqual(want.dtypes);
    for (const s of want.spots) {
      const v = tensors.get(s.name)!.data[s.index];
      if (s.f32_bits !== undefined) expect(bitsOf(v)).toBe(s.f32_bits);
      else expect(v).toBe(s.value);
    }
  });

  it.each(FILES)('re-serialises %s byte for byte from its decoded values', (file) => {
    const bytes = fixture(file);
    const { metadata, tensors } = parseSafetensors(bytes);
    // write from decoded values only (no raw bytes), so encoding is exercised too
    const fromValues = new Map([...tensors].map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, data: t.data }]));
    expect(Buffer.from(serializeSafetensors(fromValues, metadata)).equals(Buffer.from(bytes))).toBe(true);
    // and from the raw bytes
    expect(Buffer.from(serializeSafetensors(tensors, metadata)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('widens BF16 exactly and reads U8 as bytes in the multi-dtype bnb file', () => {
    const { tensors } = parseSafetensors(fixture('bnb_4bit_quant.safetensors'));
    const bf = tensors.get('w_bf16_64x32')!;
    expect(bf.dtype).toBe('BF16');
    expect(bf.data).toBeInstanceOf(Float32Array);
    const raw = new Uint16Array(bf.bytes!.slice().buffer);
    const widened = new Uint32Array(bf.data.buffer);
    for (let i = 0; i < raw.length; i++) if (widened[i] !== (raw[i] << 16) >>> 0) throw new Error(`element ${i} differs`);
    const codes = tensors.get('w_64x32.nf4.codes')!;
    expect(codes.dtype).toBe('U8');
    expect(codes.data).toBeInstanceOf(Uint8Array);
    expect(Math.max(...codes.data)).toBeLessThan(16);
  });

  it('loads only the selected names, by list or filter, in header order', () => {
    const bytes = fixture('gpt2_lora-adapter.safetensors');
    const names = expected['gpt2_lora-adapter.safetensors'].header_order!;
    const byList = parseSafetensors(bytes, { names: [names[2], names[0]] });
    expect([...byList.tensors.keys()]).toEqual([names[0], names[2]]);
    const byFilter = parseSafetensors(bytes, { names: (n) => n.includes('lora_B') });
    expect([...byFilter.tensors.keys()]).toEqual(names.filter((n) => n.includes('lora_B')));
    expect(() => parseSafetensors(bytes, { names: ['nope'] })).toThrow(FileFormatError);
    expect(() => parseSafetensors(bytes, { names: ['nope'] })).toThrow(/expected a tensor named "nope"/);
  });

  it('parses a header on its own, with offsets, lengths and metadata', () => {
    const bytes = fixture('gpt2_lora-adapter.safetensors');
    const h = parseSafetensorsFileHeader(bytes);
    expect(h.headerLength % 8).toBe(0);
    expect(h.dataStart).toBe(8 + h.headerLength);
    expect(h.dataStart + h.dataLength).toBe(bytes.length);
    const first = h.tensors.get('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight')!;
    expect(first).toEqual({ dtype: 'F32', shape: [4, 32], dataOffsets: [0, 512] });
  });

  it('gives tensors their own memory, so they outlive changes to the input', () => {
    const bytes = fixture('gpt2_lora-adapter.safetensors');
    const { tensors } = parseSafetensors(bytes.buffer as ArrayBuffer);
    const t = [...tensors.values()][0];
    const before = t.data[0];
    bytes.fill(0);
    expect(t.data[0]).toBe(before);
  });

  it('reads tensors at unaligned data offsets', () => {
    let json = '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    while ((8 + json.length) % 4 !== 1) json += ' ';
    const file = new Uint8Array(8 + json.length + 8);
    const view = new DataView(file.buffer);
    view.setBigUint64(0, BigInt(json.length), true);
    file.set(new TextEncoder().encode(json), 8);
    view.setFloat32(8 + json.length, 1.5, true);
    view.setFloat32(12 + json.length, -2, true);
    expect(Array.from(parseSafetensors(file).tensors.get('x')!.data)).toEqual([1.5, -2]);
  });
});
