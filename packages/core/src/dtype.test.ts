import { describe, expect, it } from 'vitest';
import {
  DTYPES,
  computeDType,
  f32ToBF16Bits,
  resultDType,
  roundToBF16,
  bf16BitsToF32,
  f16BitsToF32,
  f32ToF16Bits,
  gpuBytesPerElement,
  hostArray,
  isFloat,
  parseDType,
  roundToF16,
} from './dtype.js';
import { DTypeError } from './errors.js';
import { testRandom } from './test-support/numeric.js';

/** All finite f16 values in increasing order (the reference for rounding). */
const finiteHalves: number[] = [];
for (let bits = 0; bits < 0x7c00; bits++) finiteHalves.push(f16BitsToF32(bits));

/** The nearest f16 to v by search, ties to the even bit pattern (IEEE round to nearest even). */
function nearestHalf(v: number): number {
  const a = Math.abs(v);
  if (a >= 65520) return Math.sign(v) * Infinity;
  let lo = 0;
  let hi = finiteHalves.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (finiteHalves[mid] <= a) lo = mid;
    else hi = mid;
  }
  const dl = a - finiteHalves[lo];
  const dh = finiteHalves[hi] - a;
  const pick = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
  return (v < 0 || Object.is(v, -0) ? -1 : 1) * finiteHalves[pick];
}

describe('half precision', () => {
  it('encodes known values', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65520, 0x7c00],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000],
      [3 * 2 ** -25, 0x0002],
      [-0, 0x8000],
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
    ];
    for (const [v, bits] of cases) expect([v, f32ToF16Bits(v)]).toEqual([v, bits]);
    expect(f32ToF16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(f32ToF16Bits(NaN) & 0x3ff).not.toBe(0);
  });

  it('round-trips every one of the 65536 bit patterns except NaNs', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const v = f16BitsToF32(bits);
      const isNaNPattern = (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
      if (Number.isNaN(v) !== isNaNPattern || (!isNaNPattern && f32ToF16Bits(v) !== bits)) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds f32 values to the nearest half (ties to even), including subnormals', () => {
    const next = testRandom(5);
    const wrong: [number, number, number][] = [];
    for (let i = 0; i < 20000; i++) {
      const scale = 2 ** Math.floor(next() * 44 - 28); // 2^-28 .. 2^15
      const v = Math.fround((next() * 2 - 1) * scale);
      if (!Object.is(roundToF16(v), nearestHalf(v))) wrong.push([v, roundToF16(v), nearestHalf(v)]);
    }
    // exact midpoints between neighbouring halves
    for (let k = 0; k < 2000; k++) {
      const bits = Math.floor(next() * 0x7bfe);
      const mid = (f16BitsToF32(bits) + f16BitsToF32(bits + 1)) / 2;
      const want = f16BitsToF32(bits % 2 === 0 ? bits : bits + 1);
      if (roundToF16(mid) !== want) wrong.push([mid, roundToF16(mid), want]);
    }
    expect(wrong).toEqual([]);
  });

  it('decodes bf16 as the top half of an f32', () => {
    expect(bf16BitsToF32(0x3f80)).toBe(1);
    expect(bf16BitsToF32(0xc000)).toBe(-2);
    expect(bf16BitsToF32(0x7f80)).toBe(Infinity);
    expect(bf16BitsToF32(0x3e4c)).toBe(Math.fround(0.19921875));
  });
});

describe('dtype helpers', () => {
  it('lists the dtypes and classifies floats', () => {
    expect(DTYPES).toEqual(['f32', 'f16', 'bf16', 'i32', 'u32', 'bool']);
    expect(DTYPES.filter(isFloat)).toEqual(['f32', 'f16', 'bf16']);
    expect(DTYPES.map(gpuBytesPerElement)).toEqual([4, 2, 2, 4, 4, 4]);
  });

  it('computes bf16 in f32, and floats of different widths in f32', () => {
    expect(DTYPES.map(computeDType)).toEqual(['f32', 'f16', 'f32', 'i32', 'u32', 'bool']);
    expect(resultDType(['f16', 'f16'])).toBe('f16');
    expect(resultDType(['bf16', 'bf16'])).toBe('f32');
    expect(resultDType(['f32', 'bf16'])).toBe('f32');
    expect(resultDType(['f16', 'bf16'])).toBe('f32');
    expect(resultDType(['f32', 'i32'])).toBeNull();
    expect(resultDType(['i32', 'u32'])).toBeNull();
  });

  it('rounds to bf16 to nearest even and keeps NaN a NaN', () => {
    expect(f32ToBF16Bits(1)).toBe(0x3f80);
    expect(roundToBF16(1 + 2 ** -8)).toBe(1); // a tie goes to the even neighbour
    expect(roundToBF16(1 + 3 * 2 ** -9)).toBe(1 + 2 ** -7);
    expect(roundToBF16(3.5e38)).toBe(Infinity);
    expect(roundToBF16(NaN)).toBeNaN();
  });

  it('allocates the host array type data() returns', () => {
    expect(hostArray('f32', 2)).toBeInstanceOf(Float32Array);
    expect(hostArray('f16', 2)).toBeInstanceOf(Float32Array);
    expect(hostArray('i32', 2)).toBeInstanceOf(Int32Array);
    expect(hostArray('u32', 2)).toBeInstanceOf(Uint32Array);
    expect(hostArray('bool', 2)).toBeInstanceOf(Uint8Array);
  });

  it('parses dtype names and rejects others with the list of valid ones', () => {
    expect(parseDType('f16')).toBe('f16');
    expect(() => parseDType('float32', 'config.dtype')).toThrow(DTypeError);
    expect(() => parseDType('float32', 'config.dtype')).toThrow('config.dtype: expected one of f32, f16, bf16, i32, u32, bool, got "float32"');
  });
});
