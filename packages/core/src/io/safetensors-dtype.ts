import type { DType } from '../dtype.js';

/**
 * Element types of the safetensors format (the set of the Python `safetensors` 0.4 release). Every one
 * can be read; `SAFETENSORS_DTYPE_INFO` says how each is decoded.
 *
 * @example
 * ```ts
 * const d: SafetensorsDType = 'BF16';
 * ```
 */
export type SafetensorsDType =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

/**
 * Facts about one safetensors dtype.
 *
 * @example
 * ```ts
 * SAFETENSORS_DTYPE_INFO.F16.bytes; // 2
 * ```
 */
export interface SafetensorsDTypeInfo {
  /** Bytes per element in the file. */
  readonly bytes: number;
  /**
   * Position in the writer's ordering: the Python writer lays tensors out by descending rank (then by
   * name), which keeps every tensor aligned to its element size.
   */
  readonly rank: number;
  /** The `@peft/core` tensor dtype a loaded tensor gets by default. */
  readonly tensorDType: DType;
  /** How {@link decodeSafetensorsBytes} widens it: `as-is` keeps the bytes' own typed array. */
  readonly decode: 'as-is' | 'f16' | 'bf16' | 'f8e4m3' | 'f8e5m2' | 'i64' | 'u64';
}

/**
 * Size, writer ordering and decoding of every safetensors dtype.
 *
 * @example
 * ```ts
 * SAFETENSORS_DTYPE_INFO.I64.tensorDType; // 'i32'
 * ```
 */
export const SAFETENSORS_DTYPE_INFO: Readonly<Record<SafetensorsDType, SafetensorsDTypeInfo>> = Object.freeze({
  BOOL: { bytes: 1, rank: 0, tensorDType: 'bool', decode: 'as-is' },
  U8: { bytes: 1, rank: 1, tensorDType: 'i32', decode: 'as-is' },
  I8: { bytes: 1, rank: 2, tensorDType: 'i32', decode: 'as-is' },
  F8_E5M2: { bytes: 1, rank: 3, tensorDType: 'f32', decode: 'f8e5m2' },
  F8_E4M3: { bytes: 1, rank: 4, tensorDType: 'f32', decode: 'f8e4m3' },
  I16: { bytes: 2, rank: 5, tensorDType: 'i32', decode: 'as-is' },
  U16: { bytes: 2, rank: 6, tensorDType: 'i32', decode: 'as-is' },
  F16: { bytes: 2, rank: 7, tensorDType: 'f32', decode: 'f16' },
  BF16: { bytes: 2, rank: 8, tensorDType: 'f32', decode: 'bf16' },
  I32: { bytes: 4, rank: 9, tensorDType: 'i32', decode: 'as-is' },
  U32: { bytes: 4, rank: 10, tensorDType: 'u32', decode: 'as-is' },
  F32: { bytes: 4, rank: 11, tensorDType: 'f32', decode: 'as-is' },
  F64: { bytes: 8, rank: 12, tensorDType: 'f32', decode: 'as-is' },
  I64: { bytes: 8, rank: 13, tensorDType: 'i32', decode: 'i64' },
  U64: { bytes: 8, rank: 14, tensorDType: 'u32', decode: 'u64' },
});

/** Every safetensors dtype, in the writer's ascending order. @example `SAFETENSORS_DTYPES.length // 15` */
export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = Object.freeze(
  Object.keys(SAFETENSORS_DTYPE_INFO) as SafetensorsDType[],
);

/**
 * True when `value` names a safetensors dtype.
 *
 * @example
 * ```ts
 * isSafetensorsDType('F32'); // true
 * isSafetensorsDType('f32'); // false
 * ```
 */
export function isSafetensorsDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_INFO, value);
}

/**
 * The typed array a decoded tensor arrives in: `Float32Array` for every float format narrower than 64
 * bits (F16/BF16/F8 are widened exactly), `Float64Array` for F64, `Int32Array` for I64 (checked),
 * `Uint32Array` for U64 (checked), and each remaining integer type's own array (BOOL as 0/1 bytes).
 *
 * @example
 * ```ts
 * const a: SafetensorsArray = new Float32Array(4);
 * ```
 */
export type SafetensorsArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/**
 * The default file dtype for a tensor dtype when saving.
 *
 * @example
 * ```ts
 * safetensorsDTypeFor('f16'); // 'F16'
 * ```
 */
export function safetensorsDTypeFor(dtype: DType): SafetensorsDType {
  switch (dtype) {
    case 'f32':
      return 'F32';
    case 'f16':
      return 'F16';
    case 'bf16':
      return 'BF16';
    case 'i32':
      return 'I32';
    case 'u32':
      return 'U32';
    default:
      return 'BOOL';
  }
}

/**
 * Allocates the decoded array for `n` elements of `dtype` (see {@link SafetensorsArray}).
 *
 * @example
 * ```ts
 * safetensorsDecodedArray('BF16', 3); // Float32Array(3)
 * ```
 */
export function safetensorsDecodedArray(dtype: SafetensorsDType, n: number): SafetensorsArray {
  switch (dtype) {
    case 'BOOL':
    case 'U8':
      return new Uint8Array(n);
    case 'I8':
      return new Int8Array(n);
    case 'I16':
      return new Int16Array(n);
    case 'U16':
      return new Uint16Array(n);
    case 'I32':
    case 'I64':
      return new Int32Array(n);
    case 'U32':
    case 'U64':
      return new Uint32Array(n);
    case 'F64':
      return new Float64Array(n);
    default:
      return new Float32Array(n);
  }
}
