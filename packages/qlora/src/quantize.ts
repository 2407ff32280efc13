import { ArgumentError } from '@peft/core';
import { dequantizeBlockwise, quantizeBlockwise } from './blockwise.js';
import { DYNAMIC_CODE, type QuantType, codeTable } from './codebooks.js';

/** Block size of the double quantisation of the absmax values (bitsandbytes' `nested_blocksize`). */
export const NESTED_BLOCKSIZE = 256;

/**
 * The double-quantised absmax values: `absmax ≈ DYNAMIC_CODE[absmaxQ[b]] · nestedAbsmax[b / 256] + offset`.
 *
 * @example
 * ```ts
 * const absmax = dequantizeAbsmax(state.nested!);
 * ```
 */
export interface NestedAbsmax {
  readonly absmaxQ: Uint8Array;
  readonly nestedAbsmax: Float32Array;
  /** The mean of the original absmax values (float32). */
  readonly offset: number;
}

/**
 * A weight quantised to 4 bits the way bitsandbytes stores it: two codes per byte, the first element
 * in the high nibble, one absmax per block of `blocksize` consecutive (row-major) elements.
 * `absmax` always holds the float32 values the codes are scaled by (reconstructed from `nested`
 * when double quantisation is on).
 *
 * @example
 * ```ts
 * const q = quantize4bit(w, [64, 32], { quantType: 'nf4' });
 * q.packed.length; // 1024
 * ```
 */
export interface QuantState4bit {
  readonly quantType: QuantType;
  readonly blocksize: number;
  readonly shape: readonly number[];
  /** `ceil(numel / 2)` bytes. */
  readonly packed: Uint8Array;
  /** One float32 scale per block. */
  readonly absmax: Float32Array;
  /** The double-quantised statistics, when `doubleQuant` was asked for. */
  readonly nested: NestedAbsmax | null;
}

/**
 * Options of {@link quantize4bit}.
 *
 * @example
 * ```ts
 * const o: Quantize4bitOptions = { quantType: 'fp4', blocksize: 128, doubleQuant: true };
 * ```
 */
export interface Quantize4bitOptions {
  /** `'nf4'` (default) or `'fp4'`. */
  readonly quantType?: QuantType;
  /** Elements per absmax block: a power of two from 32 to 4096; 64 by default. */
  readonly blocksize?: number;
  /** Quantise the absmax values again to 8 bits (blocks of 256, mean offset). */
  readonly doubleQuant?: boolean;
  /** The double-quantisation offset to use instead of the float32 mean (to reproduce a stored state). */
  readonly nestedOffset?: number;
}

/**
 * Checks a 4-bit block size: a power of two in [32, 4096].
 *
 * @example
 * ```ts
 * checkBlocksize(64, 'quantize4bit');
 * ```
 */
export function checkBlocksize(blocksize: number, op: string): void {
  if (!Number.isInteger(blocksize) || blocksize < 32 || blocksize > 4096 || (blocksize & (blocksize - 1)) !== 0) {
    throw new ArgumentError(`${op}: blocksize must be a power of two from 32 to 4096, got ${blocksize}`);
  }
}

/**
 * Packs 4-bit codes two per byte, the first in the high nibble; an odd count is padded with `pad`.
 *
 * @example
 * ```ts
 * packNibbles(Uint8Array.of(7, 5)); // Uint8Array [117]
 * ```
 */
export function packNibbles(codes: Uint8Array, pad = 0): Uint8Array {
  const out = new Uint8Array(Math.ceil(codes.length / 2));
  for (let k = 0; k < out.length; k++) {
    const lo = 2 * k + 1 < codes.length ? codes[2 * k + 1] : pad;
    out[k] = (codes[2 * k] << 4) | lo;
  }
  return out;
}

/**
 * The codes of `numel` elements from packed bytes (the inverse of {@link packNibbles}).
 *
 * @example
 * ```ts
 * unpackNibbles(Uint8Array.of(117), 2); // Uint8Array [7, 5]
 * ```
 */
export function unpackNibbles(packed: Uint8Array, numel: number): Uint8Array {
  const out = new Uint8Array(numel);
  for (let i = 0; i < numel; i++) out[i] = (packed[i >> 1] >> (i & 1 ? 0 : 4)) & 15;
  return out;
}

/**
 * The float32 mean of the absmax values, the double-quantisation offset.
 *
 * @example
 * ```ts
 * meanOffset(Float32Array.of(1, 2)); // 1.5
 * ```
 */
export function meanOffset(absmax: Float32Array): number {
  let s = 0;
  for (const v of absmax) s += v;
  return Math.fround(s / Math.max(1, absmax.length));
}

/**
 * Double quantisation of absmax values: `absmax − offset` quantised blockwise (256) to the signed
 * 8-bit dynamic map.
 *
 * @example
 * ```ts
 * const nested = doubleQuantize(state.absmax);
 * ```
 */
export function doubleQuantize(absmax: Float32Array, offset = meanOffset(absmax)): NestedAbsmax {
  const shifted = new Float32Array(absmax.length);
  for (let i = 0; i < absmax.length; i++) shifted[i] = absmax[i] - offset;
  const { codes, absmax: nestedAbsmax } = quantizeBlockwise(shifted, NESTED_BLOCKSIZE, DYNAMIC_CODE);
  return { absmaxQ: codes, nestedAbsmax, offset: Math.fround(offset) };
}

/**
 * The absmax values a double-quantised state stands for: `DYNAMIC_CODE[q] · nestedAbsmax[b / 256] + offset`.
 *
 * @example
 * ```ts
 * const absmax = dequantizeAbsmax(nested);
 * ```
 */
export function dequantizeAbsmax(nested: NestedAbsmax): Float32Array {
  const out = dequantizeBlockwise(nested.absmaxQ, nested.nestedAbsmax, NESTED_BLOCKSIZE, DYNAMIC_CODE);
  for (let i = 0; i < out.length; i++) out[i] = out[i] + nested.offset;
  return out;
}

/**
 * Quantises a float32 weight (row-major, any shape) to 4 bits, bit-exact with bitsandbytes'
 * `quantize_4bit`: NF4 or FP4 codes packed two per byte, one absmax per block, optionally double
 * quantised. With double quantisation the returned `absmax` is the reconstructed one, the values
 * dequantisation and the matmul use.
 *
 * @example
 * ```ts
 * const q = quantize4bit(w, [64, 32], { quantType: 'nf4', blocksize: 64, doubleQuant: true });
 * ```
 */
export function quantize4bit(values: Float32Array, shape: readonly number[], options: Quantize4bitOptions = {}): QuantState4bit {
  const quantType = options.quantType ?? 'nf4';
  const blocksize = options.blocksize ?? 64;
  checkBlocksize(blocksize, 'quantize4bit');
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel !== values.length) {
    throw new ArgumentError(`quantize4bit: shape [${shape.join(', ')}] has ${numel} elements, got ${values.length} values`);
  }
  const table = codeTable(quantType);
  const { codes, absmax } = quantizeBlockwise(values, blocksize, table);
  const zeroCode = table.indexOf(0);
  const packed = packNibbles(codes, zeroCode);
  if (!options.doubleQuant) return { quantType, blocksize, shape: [...shape], packed, absmax, nested: null };
  const nested = doubleQuantize(absmax, options.nestedOffset);
  return { quantType, blocksize, shape: [...shape], packed, absmax: dequantizeAbsmax(nested), nested };
}

/**
 * Dequantises a 4-bit state to float32 (row-major, `state.shape`): `table[code] · absmax[block]`.
 *
 * @example
 * ```ts
 * const w = dequantize4bit(quantize4bit(w0, [64, 32]));
 * ```
 */
export function dequantize4bit(state: QuantState4bit): Float32Array {
  const numel = state.shape.reduce((a, b) => a * b, 1);
  return dequantizeBlockwise(unpackNibbles(state.packed, numel), state.absmax, state.blocksize, codeTable(state.quantType));
}
