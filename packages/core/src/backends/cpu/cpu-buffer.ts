import type { BufferHandle, View } from '../../backend.js';
import { type DType, type TypedArray, hostArray, roundToF16 } from '../../dtype.js';
import { PeftError } from '../../errors.js';

/**
 * The CPU backend's buffer: a typed array in host representation (f16 values are kept as f32
 * numbers rounded to half precision, bool as 0/1 bytes).
 *
 * @example
 * ```ts
 * const b = new CpuBuffer(new Float32Array([1, 2]));
 * ```
 */
export class CpuBuffer implements BufferHandle {
  released = false;
  constructor(readonly data: TypedArray) {}
  get byteLength(): number {
    return this.data.byteLength;
  }
}

/** The typed array behind a view, checking it belongs to the CPU backend. @internal */
export function arrayOf(view: View): TypedArray {
  const b = view.buffer;
  if (!(b instanceof CpuBuffer)) throw new PeftError('BACKEND', 'cpu: got a buffer from another backend');
  if (b.released) throw new PeftError('BACKEND', 'cpu: got a buffer that was already released');
  return b.data;
}

/** A new output array of `n` elements of `dtype`. @internal */
export function outArray(dtype: DType, n: number): TypedArray {
  return hostArray(dtype, n) as TypedArray;
}

/** Rounds f16 outputs to half precision in place (what storing into an f16 buffer does). @internal */
export function finishOut(dtype: DType, out: TypedArray): CpuBuffer {
  if (dtype === 'f16') for (let i = 0; i < out.length; i++) out[i] = roundToF16(out[i]);
  return new CpuBuffer(out);
}
