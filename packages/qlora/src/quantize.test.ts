import { describe, expect, it } from 'vitest';
import { DYNAMIC_CODE, FP4_CODE, NF4_CODE, type QuantType, sortedCode } from './codebooks.js';
import { loadBnbCase, loadBnbFixture } from './test-support/bnb-fixture.js';
import { dequantize4bit, quantize4bit, unpackNibbles } from './quantize.js';

const tensors = loadBnbFixture();
const matrices = Object.keys(loadBnbCase().matrices);
const get = (name: string): Float32Array | Uint8Array => {
  const t = tensors.get(name);
  if (!t) throw new Error(`fixture tensor ${name} missing`);
  return t.data;
};
/** The float32 values cast to the weight's dtype (bf16: round to nearest even), as dequantize_4bit returns them. */
function inDtype(x: Float32Array, dtype: string): Float32Array {
  if (dtype !== 'BF16') return x;
  const u = new Uint32Array(Float32Array.from(x).buffer);
  for (let i = 0; i < u.length; i++) u[i] = ((u[i] + 0x7fff + ((u[i] >>> 16) & 1)) >>> 16) << 16;
  return new Float32Array(u.buffer);
}
const cases = matrices.flatMap((w) => (['nf4', 'fp4'] as QuantType[]).map((qt) => ({ w, qt })));

describe('bitsandbytes code tables', () => {
  it('are bit-equal to the reference NF4, FP4 and dynamic maps', () => {
    expect(Array.from(NF4_CODE)).toEqual(Array.from(get('nf4_code')));
    expect(Array.from(FP4_CODE)).toEqual(Array.from(get('fp4_code')));
    expect(Array.from(DYNAMIC_CODE)).toEqual(Array.from(get('dynamic_code')));
  });

  it('sort FP4 into the reference argsort order', () => {
    expect(Array.from(sortedCode(FP4_CODE).codeOf)).toEqual([11, 10, 13, 12, 15, 14, 9, 0, 8, 1, 6, 7, 4, 5, 2, 3]);
  });
});

describe.each(cases)('quantize4bit of $w as $qt', ({ w, qt }) => {
  const src = tensors.get(w)!;
  const values = Float32Array.from(src.data);

  it('reproduces the packed bytes, codes and absmax exactly', () => {
    const q = quantize4bit(values, src.shape, { quantType: qt });
    expect(Array.from(q.packed)).toEqual(Array.from(get(`${w}.${qt}.packed`)));
    expect(Array.from(unpackNibbles(q.packed, values.length))).toEqual(Array.from(get(`${w}.${qt}.codes`)));
    expect(Array.from(q.absmax)).toEqual(Array.from(get(`${w}.${qt}.absmax`)));
  });

  it('dequantises to the reference values exactly', () => {
    const q = quantize4bit(values, src.shape, { quantType: qt });
    const ref = get(`${w}.${qt}.dequant`);
    const got = dequantize4bit(q);
    expect(Array.from(inDtype(got, src.dtype))).toEqual(Array.from(ref));
  });

  it('double-quantises the absmax like bitsandbytes (codes exact from the stored offset, stats within 1 ulp)', () => {
    const offset = get(`${w}.${qt}_dq.nested_offset`)[0];
    const q = quantize4bit(values, src.shape, { quantType: qt, doubleQuant: true, nestedOffset: offset });
    expect(Array.from(q.packed)).toEqual(Array.from(get(`${w}.${qt}.packed`)));
    expect(Array.from(q.nested!.absmaxQ)).toEqual(Array.from(get(`${w}.${qt}_dq.absmax_q`)));
    expect(Array.from(q.nested!.nestedAbsmax)).toEqual(Array.from(get(`${w}.${qt}_dq.nested_absmax`)));
    const ref = get(`${w}.${qt}_dq.absmax_dequant`);
    q.absmax.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -23));
    const free = quantize4bit(values, src.shape, { quantType: qt, doubleQuant: true });
    expect(Math.abs(free.nested!.offset - offset)).toBeLessThanOrEqual(Math.abs(offset) * 2 ** -22);
  });

  it('dequantises the double-quantised state to the reference within float tolerance', () => {
    const offset = get(`${w}.${qt}_dq.nested_offset`)[0];
    const q = quantize4bit(values, src.shape, { quantType: qt, doubleQuant: true, nestedOffset: offset });
    const ref = get(`${w}.${qt}_dq.dequant`);
    const got = inDtype(dequantize4bit(q), src.dtype);
    const ulp = src.dtype === 'BF16' ? 2 ** -7 : 2 ** -21;
    got.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * ulp));
  });
});

describe('quantize4bit arguments', () => {
  it('rejects a block size that is not a power of two in [32, 4096]', () => {
    expect(() => quantize4bit(new Float32Array(64), [64], { blocksize: 48 })).toThrow(/blocksize must be a power of two from 32 to 4096, got 48/);
    expect(() => quantize4bit(new Float32Array(64), [64], { blocksize: 16 })).toThrow(/got 16/);
  });

  it('accepts 32 and 4096 and round-trips within half a code step of the absmax', () => {
    const w = Float32Array.from({ length: 8192 }, (_, i) => Math.sin(i * 0.37));
    for (const blocksize of [32, 4096]) {
      const q = quantize4bit(w, [8192], { blocksize });
      const d = dequantize4bit(q);
      d.forEach((v, i) => expect(Math.abs(v - w[i])).toBeLessThanOrEqual(0.17 * q.absmax[Math.floor(i / blocksize)]));
    }
  });
});
