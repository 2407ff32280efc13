import { type SortedCode, sortedCode } from './codebooks.js';

/** The smallest absmax used for scaling (bitsandbytes' clamp), as a float32. */
const TINY = Math.fround(1e-38);

/**
 * One blockwise quantisation: a code per element and the stored absmax per block.
 *
 * @example
 * ```ts
 * const { codes, absmax } = quantizeBlockwise(values, 64, NF4_CODE);
 * ```
 */
export interface BlockwiseResult {
  readonly codes: Uint8Array;
  readonly absmax: Float32Array;
}

/** Index of the nearest code: the number of midpoints strictly below x (ties take the lower code). */
function nearest(x: number, s: SortedCode): number {
  const m = s.midpoints;
  let lo = 0;
  let hi = m.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return s.codeOf[lo];
}

/**
 * Blockwise absmax quantisation to the nearest value of a code table, bit-exact with bitsandbytes'
 * reference backend: blocks of `blocksize` consecutive elements, `absmax = max |x|` per block, full
 * blocks scaled by the float32 reciprocal `x · (1/absmax)`, the partial last block by a true
 * division, values clamped to [-1, 1]. The stored absmax is the raw maximum for full blocks and the
 * clamped one (at least 1e-38) for a partial last block.
 *
 * @example
 * ```ts
 * const { codes, absmax } = quantizeBlockwise(new Float32Array([0.5, -1]), 64, NF4_CODE);
 * ```
 */
export function quantizeBlockwise(values: Float32Array, blocksize: number, table: Float32Array): BlockwiseResult {
  const n = values.length;
  const blocks = Math.ceil(n / blocksize);
  const codes = new Uint8Array(n);
  const absmax = new Float32Array(blocks);
  const s = sortedCode(table);
  for (let b = 0; b < blocks; b++) {
    const start = b * blocksize;
    const end = Math.min(n, start + blocksize);
    let m = 0;
    for (let i = start; i < end; i++) m = Math.max(m, Math.abs(values[i]));
    const clamped = Math.max(m, TINY);
    const partial = end - start < blocksize;
    const inv = Math.fround(1 / clamped);
    for (let i = start; i < end; i++) {
      let x = partial ? Math.fround(values[i] / clamped) : Math.fround(values[i] * inv);
      x = Math.min(1, Math.max(-1, x));
      codes[i] = nearest(x, s);
    }
    absmax[b] = partial ? clamped : m;
  }
  return { codes, absmax };
}

/**
 * The inverse of {@link quantizeBlockwise}: `table[code] · absmax[block]` in float32.
 *
 * @example
 * ```ts
 * const w = dequantizeBlockwise(codes, absmax, 64, NF4_CODE);
 * ```
 */
export function dequantizeBlockwise(codes: ArrayLike<number>, absmax: Float32Array, blocksize: number, table: Float32Array): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]] * absmax[Math.floor(i / blocksize)];
  return out;
}
