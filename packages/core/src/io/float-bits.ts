/**
 * Bit-exact conversions between the narrow float formats of safetensors files (f16, bf16, fp8) and
 * f32. They work on raw bit patterns held in integer arrays, so NaN signs and payloads survive where
 * the target format can hold them (a JavaScript `number` would not guarantee that).
 */

const F16_TO_F32_TABLE_SIZE = 0x10000;
let f16Table: Uint32Array | null = null;

/**
 * The f32 bit pattern equal to an f16 bit pattern (exact: every f16 value is an f32 value; NaN
 * payloads move to the top of the f32 mantissa).
 *
 * @example
 * ```ts
 * f16BitsToF32Bits(0x3c00).toString(16); // '3f800000' (1.0)
 * ```
 */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // subnormal half: normalise into an f32 exponent
  let e = 113;
  let m = mant;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/**
 * The f16 bit pattern nearest to an f32 bit pattern (round to nearest, ties to even; overflow to
 * infinity). A NaN keeps its sign and the top 10 bits of its payload, and stays a NaN.
 *
 * @example
 * ```ts
 * f32BitsToF16Bits(0x3f800000); // 0x3c00
 * ```
 */
export function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    const payload = mant >>> 13;
    return sign | 0x7c00 | (payload === 0 ? 0x200 : payload);
  }
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    const full = mant | 0x800000;
    const shift = 14 - e;
    const kept = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rest > half || (rest === half && (kept & 1) !== 0) ? kept + 1 : kept);
  }
  const kept = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // a carry out of the mantissa bumps the exponent, which is the right rounding (up to infinity)
  return sign | (rest > 0x1000 || (rest === 0x1000 && (kept & 1) !== 0) ? kept + 1 : kept);
}

/**
 * The bf16 bit pattern nearest to an f32 bit pattern (round to nearest, ties to even). A NaN keeps
 * its sign and the top 7 bits of its payload, and stays a NaN.
 *
 * @example
 * ```ts
 * f32BitsToBf16Bits(0x3f800000); // 0x3f80
 * ```
 */
export function f32BitsToBf16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) {
    const top = x >>> 16;
    return (top & 0x7f) === 0 ? top | 0x40 : top;
  }
  return ((x >>> 0) + 0x7fff + ((x >>> 16) & 1)) >>> 16;
}

function f16Lookup(): Uint32Array {
  if (!f16Table) {
    const table = new Uint32Array(F16_TO_F32_TABLE_SIZE);
    for (let h = 0; h < F16_TO_F32_TABLE_SIZE; h++) table[h] = f16BitsToF32Bits(h);
    f16Table = table;
  }
  return f16Table;
}

/**
 * Widens f16 bit patterns into f32 bit patterns (`out[outOffset + i]` for each `src[i]`).
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * f16ToF32Array(new Uint16Array([0x3c00, 0xc000]), new Uint32Array(out.buffer)); // out: [1, -2]
 * ```
 */
export function f16ToF32Array(src: Uint16Array, out: Uint32Array, outOffset = 0): void {
  const table = f16Lookup();
  for (let i = 0; i < src.length; i++) out[outOffset + i] = table[src[i]];
}

/**
 * Widens bf16 bit patterns into f32 bit patterns (exact).
 *
 * @example
 * ```ts
 * const out = new Float32Array(1);
 * bf16ToF32Array(new Uint16Array([0x3f80]), new Uint32Array(out.buffer)); // out: [1]
 * ```
 */
export function bf16ToF32Array(src: Uint16Array, out: Uint32Array, outOffset = 0): void {
  for (let i = 0; i < src.length; i++) out[outOffset + i] = src[i] << 16;
}

/**
 * Narrows f32 bit patterns to f16 bit patterns (round to nearest even).
 *
 * @example
 * ```ts
 * const h = new Uint16Array(1);
 * f32ToF16Array(new Uint32Array(new Float32Array([1]).buffer), h); // h: [0x3c00]
 * ```
 */
export function f32ToF16Array(src: Uint32Array, out: Uint16Array): void {
  for (let i = 0; i < src.length; i++) out[i] = f32BitsToF16Bits(src[i]);
}

/**
 * Narrows f32 bit patterns to bf16 bit patterns (round to nearest even).
 *
 * @example
 * ```ts
 * const b = new Uint16Array(1);
 * f32ToBf16Array(new Uint32Array(new Float32Array([1]).buffer), b); // b: [0x3f80]
 * ```
 */
export function f32ToBf16Array(src: Uint32Array, out: Uint16Array): void {
  for (let i = 0; i < src.length; i++) out[i] = f32BitsToBf16Bits(src[i]);
}

/**
 * The f32 bit pattern of an fp8 E4M3 (the "FN" variant: no infinities, S.1111.111 is NaN) byte.
 *
 * @example
 * ```ts
 * fp8E4M3BitsToF32Bits(0x38).toString(16); // '3f800000' (1.0)
 * ```
 */
export function fp8E4M3BitsToF32Bits(b: number): number {
  const sign = (b & 0x80) << 24;
  const exp = (b >>> 3) & 0xf;
  const mant = b & 0x7;
  if (exp === 0xf && mant === 0x7) return (sign | 0x7fc00000) >>> 0;
  if (exp !== 0) return (sign | ((exp + 120) << 23) | (mant << 20)) >>> 0;
  if (mant === 0) return sign >>> 0;
  let e = 121;
  let m = mant;
  while ((m & 0x8) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x7) << 20)) >>> 0;
}

/**
 * The f32 bit pattern of an fp8 E5M2 byte (the top byte of an f16, so it has infinities and NaNs).
 *
 * @example
 * ```ts
 * fp8E5M2BitsToF32Bits(0x3c).toString(16); // '3f800000' (1.0)
 * ```
 */
export function fp8E5M2BitsToF32Bits(b: number): number {
  return f16BitsToF32Bits((b & 0xff) << 8);
}
