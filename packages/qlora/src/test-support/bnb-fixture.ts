import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../fixtures/bnb_4bit_quant/', import.meta.url));

/** The tensors of the bitsandbytes reference file, by name (bf16 widened to float32). */
export function loadBnbFixture(): Map<string, { dtype: string; shape: number[]; data: Float32Array | Uint8Array }> {
  const buf = readFileSync(`${DIR}quant.safetensors`);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const out = new Map<string, { dtype: string; shape: number[]; data: Float32Array | Uint8Array }>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bytes = new Uint8Array(buf.subarray(base + t.data_offsets[0], base + t.data_offsets[1]));
    let data: Float32Array | Uint8Array;
    if (t.dtype === 'F32') data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    else if (t.dtype === 'BF16') {
      const u16 = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
      data = new Float32Array(new Uint32Array(Array.from(u16, (h) => h << 16)).buffer);
    } else data = bytes;
    out.set(name, { dtype: t.dtype, shape: t.shape, data });
  }
  return out;
}

/** The reference case's metadata (case.json). */
export function loadBnbCase(): { matrices: Record<string, { shape: number[]; dtype: string }> } {
  return JSON.parse(readFileSync(`${DIR}case.json`, 'utf8')) as { matrices: Record<string, { shape: number[]; dtype: string }> };
}
