import type { BufferHandle, View } from '../../backend-interface.js';
import { type DType, type TypedArray, hostArray, roundToBF16, roundToF16 } from '../../dtype.js';
import { DeviceError, PeftError } from '../../errors.js';

/**
 * The array a CPU buffer holds: the host representation of its dtype, or a Float64Array for f32 data
 * on a backend created with `precision: 'f64'`.
 *
 * @example
 * ```ts
 * const a: CpuArray = new Float64Array(4);
 * ```
 */
export type CpuArray = TypedArray | Float64Array;

/**
 * The CPU backend's buffer: a typed array in host representation (f16 and bf16 values are kept as f32
 * numbers rounded to their precision, bool as 0/1 bytes; f32 as float64 in the `f64` precision mode).
 *
 * @example
 * ```ts
 * const b = new CpuBuffer(new Float32Array([1, 2]));
 * ```
 */
export class CpuBuffer implements BufferHandle {
  released = false;
  constructor(readonly data: CpuArray) {}
  get byteLength(): number {
    return this.data.byteLength;
  }
}

/** The typed array behind a view, checking it belongs to the CPU backend. @internal */
export function arrayOf(view: View): CpuArray {
  const b = view.buffer;
  if (!(b instanceof CpuBuffer)) throw new PeftError('BACKEND', 'cpu: got a buffer from another backend');
  if (b.released) throw new PeftError('BACKEND', 'cpu: got a buffer that was already released');
  return b.data;
}

/**
 * A new output array of `n` elements of `dtype` (f32 held in float64 when `wide`). An allocation the
 * JavaScript engine refuses (more elements than an array may hold, or no memory left) is a
 * `DeviceError` with code `OUT_OF_MEMORY` naming the size, not a `RangeError`. @internal
 */
export function outArray(dtype: DType, n: number, wide = false): CpuArray {
  try {
    if (wide && dtype === 'f32') return new Float64Array(n);
    return hostArray(dtype, n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new DeviceError('OUT_OF_MEMORY', `cpu: cannot allocate ${n.toExponential(3)} ${dtype} elements (${e.message}); the tensor is larger than this process can hold`, { cause: e });
  }
}

/** Rounds f16 and bf16 outputs to their precision in place (what storing into such a buffer does). @internal */
export function finishOut(dtype: DType, out: CpuArray): CpuBuffer {
  if (dtype === 'f16') for (let i = 0; i < out.length; i++) out[i] = roundToF16(out[i]);
  if (dtype === 'bf16') for (let i = 0; i < out.length; i++) out[i] = roundToBF16(out[i]);
  return new CpuBuffer(out);
}
