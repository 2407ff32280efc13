import { describe, expect, it } from 'vitest';
import { bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from '../dtype.js';
import {
  f16BitsToF32Bits,
  f16ToF32Array,
  f32BitsToBf16Bits,
  f32BitsToF16Bits,
  fp8E4M3BitsToF32Bits,
  fp8E5M2BitsToF32Bits,
} from './float-bits.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (v: number): number => ((f32[0] = v), u32[0]);
const valueOf = (bits: number): number => ((u32[0] = bits), f32[0]);

/** A small deterministic generator (xorshift32) for bit patterns. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

describe('f16 widening', () => {
  it('gives the same value as the scalar reference for every one of the 65536 halves', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const got = valueOf(f16BitsToF32Bits(h));
      const want = f16BitsToF32(h);
      if (Number.isNaN(want) ? !Number.isNaN(got) : !Object.is(got, want)) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the sign and payload of NaNs, so narrowing back restores the exact half', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) if (f32BitsToF16Bits(f16BitsToF32Bits(h)) !== h) wrong.push(h);
    expect(wrong).toEqual([]);
  });

  it('fills arrays through the lookup table at an output offset', () => {
    const out = new Uint32Array(4);
    f16ToF32Array(new Uint16Array([0x3c00, 0xc000]), out, 2);
    expect(Array.from(new Float32Array(out.buffer))).toEqual([0, 0, 1, -2]);
  });
});

describe('f16 narrowing', () => {
  it('rounds to nearest even exactly like the scalar reference for random f32 bit patterns', () => {
    const next = xorshift(7);
    const wrong: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      // spread the exponents over the f16 range and around its edges as well as everywhere
      const raw = next();
      const bits = i % 2 ? raw : ((raw & 0x807fffff) | ((100 + (raw % 40)) << 23)) >>> 0;
      const v = valueOf(bits);
      if (!Number.isNaN(v) && f32BitsToF16Bits(bits) !== f32ToF16Bits(v)) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds ties to even and overflows to infinity', () => {
    // 1 + 2^-11 is halfway between 1 and the next half: ties go to the even mantissa (1.0)
    expect(f32BitsToF16Bits(bitsOf(1 + 2 ** -11))).toBe(0x3c00);
    // 1 + 3·2^-11 is halfway between two halves with odd and even mantissas: rounds up to even
    expect(f32BitsToF16Bits(bitsOf(1 + 3 * 2 ** -11))).toBe(0x3c02);
    expect(f32BitsToF16Bits(bitsOf(65520))).toBe(0x7c00);
    expect(f32BitsToF16Bits(bitsOf(-1e10))).toBe(0xfc00);
    expect(f32BitsToF16Bits(bitsOf(2 ** -25))).toBe(0); // tie with zero goes to zero
    expect(f32BitsToF16Bits(bitsOf(2 ** -25 * 1.5))).toBe(1); // smallest subnormal
  });

  it('keeps NaN a NaN even when the payload sits only in the low bits', () => {
    expect(f32BitsToF16Bits(0x7f800001)).toBe(0x7e00);
    expect(f32BitsToF16Bits(0xffc00000)).toBe(0xfe00);
    expect(f32BitsToF16Bits(0x7fc00000)).toBe(0x7e00); // the quiet NaN torch writes
  });
});

describe('bf16 narrowing', () => {
  it('rounds to nearest even and widens back to the rounded value', () => {
    expect(f32BitsToBf16Bits(0x3f808000)).toBe(0x3f80); // tie, even stays
    expect(f32BitsToBf16Bits(0x3f818000)).toBe(0x3f82); // tie, odd rounds up
    expect(f32BitsToBf16Bits(0x3f808001)).toBe(0x3f81);
    expect(f32BitsToBf16Bits(0x7f7fffff)).toBe(0x7f80); // max f32 rounds to infinity
    expect(bf16BitsToF32(f32BitsToBf16Bits(bitsOf(Math.PI)))).toBe(3.140625);
  });

  it('keeps NaN payloads that fit and quiets the ones that do not', () => {
    expect(f32BitsToBf16Bits(0x7fc00000)).toBe(0x7fc0);
    expect(f32BitsToBf16Bits(0xff810000)).toBe(0xff81);
    expect(f32BitsToBf16Bits(0x7f800001)).toBe(0x7fc0);
  });
});

describe('fp8 widening', () => {
  it('decodes E4M3 (FN) normals, subnormals, the max and NaN', () => {
    expect(valueOf(fp8E4M3BitsToF32Bits(0x38))).toBe(1);
    expect(valueOf(fp8E4M3BitsToF32Bits(0x7e))).toBe(448);
    expect(valueOf(fp8E4M3BitsToF32Bits(0x01))).toBe(2 ** -9);
    expect(valueOf(fp8E4M3BitsToF32Bits(0x06))).toBe(6 * 2 ** -9);
    expect(valueOf(fp8E4M3BitsToF32Bits(0xb8))).toBe(-1);
    expect(Number.isNaN(valueOf(fp8E4M3BitsToF32Bits(0x7f)))).toBe(true);
  });

  it('decodes E5M2 as the top byte of an f16', () => {
    expect(valueOf(fp8E5M2BitsToF32Bits(0x3c))).toBe(1);
    expect(valueOf(fp8E5M2BitsToF32Bits(0x7c))).toBe(Infinity);
    expect(valueOf(fp8E5M2BitsToF32Bits(0x01))).toBe(2 ** -16);
  });
});
