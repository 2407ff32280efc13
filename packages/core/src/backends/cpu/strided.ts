import type { View } from '../../backend-interface.js';
import { isContiguous, shapeSize } from '../../shape.js';

/**
 * Element offsets of a view in row-major order of its shape: `offsets[i]` is where the i-th logical
 * element lives in the buffer. Contiguous views skip the table (`null`: the offset is `view.offset + i`).
 *
 * @example
 * ```ts
 * stridedOffsets({ ...v, shape: [2, 2], strides: [1, 2], offset: 0 }); // [0, 2, 1, 3]
 * ```
 */
export function stridedOffsets(view: Pick<View, 'shape' | 'strides' | 'offset'>): Int32Array | null {
  if (isContiguous(view.shape, view.strides)) return null;
  return offsetsFor(view.shape, view.strides, view.offset);
}

/** Offsets for any shape/strides, always as a table. @internal @example `offsetsFor([2], [3], 1)` */
export function offsetsFor(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  const n = shapeSize(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  if (n === 0) return out;
  if (rank === 0) {
    out[0] = offset;
    return out;
  }
  const idx = new Array<number>(rank).fill(0);
  const last = rank - 1;
  const lastSize = shape[last];
  const lastStride = strides[last];
  let base = offset;
  for (let i = 0; i < n; i += lastSize) {
    for (let j = 0; j < lastSize; j++) out[i + j] = base + j * lastStride;
    // advance the odometer over the outer axes
    for (let ax = last - 1; ax >= 0; ax--) {
      idx[ax]++;
      base += strides[ax];
      if (idx[ax] < shape[ax]) break;
      base -= strides[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return out;
}

/** Reads element i of a view given its offset table (or null for contiguous). @internal @example `at(data, offs, v.offset, i)` */
export function at(offs: Int32Array | null, offset: number, i: number): number {
  return offs ? offs[i] : offset + i;
}
