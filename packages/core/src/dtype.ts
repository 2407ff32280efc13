import { DTypeError } from './errors.js';
import { f16BitsToF32Bits, f32BitsToBf16Bits, f32BitsToF16Bits } from './io/float-bits.js';

/**
 * Element types a tensor can hold. `f16` needs an adapter with `shader-f16` on WebGPU; `bool` is the
 * result of comparisons (stored as one 32-bit word per element on the GPU). `bf16` is a storage type:
 * it holds weights at half the size (a checkpoint's frozen bf16 weights), every kernel reads it widened
 * to f32, and any computation on it gives f32 ({@link computeDType}); views, `cast` and copies keep it.
 *
 * @example
 * ```ts
 * const ids = tensor([1, 2, 3], { dtype: 'i32' });
 * ```
 */
export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | 'u32' | 'bool';

/** All dtypes, in a fixed order. @example `DTYPES.includes('f16') // true` */
export const DTYPES: readonly DType[] = ['f32', 'f16', 'bf16', 'i32', 'u32', 'bool'];

/**
 * The typed array that `await tensor.data()` returns for each dtype. `f16` and `bf16` read back upcast
 * to `Float32Array`; `bool` reads back as `Uint8Array` of 0 and 1.
 *
 * @example
 * ```ts
 * const v: DataFor<'i32'> = new Int32Array(3);
 * ```
 */
export type DataFor<D extends DType> = D extends 'f32' | 'f16' | 'bf16'
  ? Float32Array
  : D extends 'i32'
    ? Int32Array
    : D extends 'u32'
      ? Uint32Array
      : Uint8Array;

/** Any typed array a tensor can be read into or created from. @example `const a: TypedArray = new Float32Array(4);` */
export type TypedArray = Float32Array | Int32Array | Uint32Array | Uint8Array | Uint16Array;

/**
 * Bytes per element as the GPU stores it (bool takes a 32-bit word there).
 *
 * @example
 * ```ts
 * gpuBytesPerElement('f16'); // 2
 * ```
 */
export function gpuBytesPerElement(dtype: DType): number {
  return dtype === 'f16' || dtype === 'bf16' ? 2 : 4;
}

/**
 * True for floating-point dtypes, the only ones that carry gradients.
 *
 * @example
 * ```ts
 * isFloat('f16'); // true
 * ```
 */
export function isFloat(dtype: DType): boolean {
  return dtype === 'f32' || dtype === 'f16' || dtype === 'bf16';
}

/**
 * The dtype a computation on `dtype` produces: `bf16` is widened to `f32` (it is a storage type), every
 * other dtype computes as itself.
 *
 * @example
 * ```ts
 * computeDType('bf16'); // 'f32'
 * ```
 */
export function computeDType(dtype: DType): DType {
  return dtype === 'bf16' ? 'f32' : dtype;
}

/**
 * The dtype of a float result computed from operands of these dtypes: their common dtype when they
 * share one (bf16 computes as f32), else f32, the widest (f16 beside f32 or bf16 reads widened).
 * Returns null when the operands mix a float with an integer type or two integer types.
 *
 * @example
 * ```ts
 * resultDType(['f32', 'bf16']); // 'f32'
 * resultDType(['f16', 'f16']); // 'f16'
 * resultDType(['f32', 'i32']); // null
 * ```
 */
export function resultDType(dtypes: readonly DType[]): DType | null {
  const first = dtypes[0];
  if (dtypes.every((d) => d === first)) return computeDType(first);
  return dtypes.every(isFloat) ? 'f32' : null;
}

/**
 * Checks a dtype name coming from user input.
 *
 * @example
 * ```ts
 * const d = parseDType('f32');
 * ```
 */
export function parseDType(value: unknown, where = 'dtype'): DType {
  if (typeof value === 'string' && (DTYPES as readonly string[]).includes(value)) return value as DType;
  throw new DTypeError(`${where}: expected one of ${DTYPES.join(', ')}, got ${JSON.stringify(value)}`);
}

/**
 * Allocates the host-side array used to hold `n` elements of `dtype` (what `data()` returns).
 *
 * @example
 * ```ts
 * hostArray('i32', 4); // Int32Array(4)
 * ```
 */
export function hostArray<D extends DType>(dtype: D, n: number): DataFor<D> {
  switch (dtype) {
    case 'f32':
    case 'f16':
    case 'bf16':
      return new Float32Array(n) as DataFor<D>;
    case 'i32':
      return new Int32Array(n) as DataFor<D>;
    case 'u32':
      return new Uint32Array(n) as DataFor<D>;
    default:
      return new Uint8Array(n) as DataFor<D>;
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/**
 * Converts a number to the bits of the nearest IEEE half (round to nearest even), as GPUs store f16.
 *
 * @example
 * ```ts
 * f32ToF16Bits(1); // 0x3c00
 * ```
 */
export function f32ToF16Bits(value: number): number {
  f32Scratch[0] = value;
  return f32BitsToF16Bits(u32Scratch[0]);
}

/**
 * Converts IEEE half bits to a number.
 *
 * @example
 * ```ts
 * f16BitsToF32(0x3c00); // 1
 * ```
 */
export function f16BitsToF32(bits: number): number {
  u32Scratch[0] = f16BitsToF32Bits(bits & 0xffff);
  return f32Scratch[0];
}

/**
 * Rounds a number to the nearest f16 value (what storing it in an f16 tensor does).
 *
 * @example
 * ```ts
 * roundToF16(0.1); // 0.0999755859375
 * ```
 */
export function roundToF16(value: number): number {
  return f16BitsToF32(f32ToF16Bits(value));
}

/**
 * Converts bf16 bits (the top half of an f32) to a number.
 *
 * @example
 * ```ts
 * bf16BitsToF32(0x3f80); // 1
 * ```
 */
export function bf16BitsToF32(bits: number): number {
  u32Scratch[0] = (bits & 0xffff) << 16;
  return f32Scratch[0];
}

/**
 * Converts a number to the bits of the nearest bf16 (round to nearest even; NaN stays NaN), as a bf16
 * tensor stores it.
 *
 * @example
 * ```ts
 * f32ToBF16Bits(1); // 0x3f80
 * ```
 */
export function f32ToBF16Bits(value: number): number {
  f32Scratch[0] = value;
  return f32BitsToBf16Bits(u32Scratch[0]);
}

/**
 * Rounds a number to the nearest bf16 value (what storing it in a bf16 tensor does).
 *
 * @example
 * ```ts
 * roundToBF16(0.1); // 0.10009765625
 * ```
 */
export function roundToBF16(value: number): number {
  return bf16BitsToF32(f32ToBF16Bits(value));
}
