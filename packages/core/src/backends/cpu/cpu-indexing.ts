import type { View } from '../../backend-interface.js';
import { computeDType } from '../../dtype.js';
import { type Shape, contiguousStrides, shapeSize } from '../../shape.js';
import { CpuBuffer, arrayOf, finishOut, outArray } from './cpu-buffer.js';
import { at, offsetsFor, stridedOffsets } from './strided.js';

/**
 * Gather along an axis with an index of any rank; out-of-range indices read 0.
 *
 * @example
 * ```ts
 * cpuGather(table, ids, 0);
 * ```
 */
export function cpuGather(x: View, index: View, axis: number, wide = false): CpuBuffer {
  const src = arrayOf(x);
  const idx = arrayOf(index);
  const idxOffs = offsetsFor(index.shape, index.strides, index.offset);
  const pre = shapeSize(x.shape.slice(0, axis));
  const post = shapeSize(x.shape.slice(axis + 1));
  const size = x.shape[axis];
  const ni = idxOffs.length;
  const out = outArray(computeDType(x.dtype), pre * ni * post, wide);
  const xOffs = offsetsFor(x.shape, x.strides, x.offset);
  for (let p = 0; p < pre; p++) {
    for (let i = 0; i < ni; i++) {
      const row = idx[idxOffs[i]];
      if (row < 0 || row >= size) continue;
      const srcBase = (p * size + row) * post;
      const dstBase = (p * ni + i) * post;
      for (let q = 0; q < post; q++) out[dstBase + q] = src[xOffs[srcBase + q]];
    }
  }
  return finishOut(computeDType(x.dtype), out);
}

/**
 * The adjoint of gather: rows of `src` added into `axisSize` slots; out-of-range indices are dropped.
 *
 * @example
 * ```ts
 * cpuScatterAdd(grad, ids, 0, vocab);
 * ```
 */
export function cpuScatterAdd(src: View, index: View, axis: number, axisSize: number, wide = false): CpuBuffer {
  const s = arrayOf(src);
  const idx = arrayOf(index);
  const idxOffs = offsetsFor(index.shape, index.strides, index.offset);
  const ni = idxOffs.length;
  const pre = shapeSize(src.shape.slice(0, axis));
  const post = shapeSize(src.shape.slice(axis + index.shape.length));
  const acc = new Float64Array(pre * axisSize * post);
  const sOffs = offsetsFor(src.shape, src.strides, src.offset);
  for (let p = 0; p < pre; p++) {
    for (let i = 0; i < ni; i++) {
      const row = idx[idxOffs[i]];
      if (row < 0 || row >= axisSize) continue;
      const dst = (p * axisSize + row) * post;
      const from = (p * ni + i) * post;
      for (let q = 0; q < post; q++) acc[dst + q] += s[sOffs[from + q]];
    }
  }
  const out = outArray(computeDType(src.dtype), acc.length, wide);
  out.set(acc);
  return finishOut(computeDType(src.dtype), out);
}

/**
 * Concatenation along an axis.
 *
 * @example
 * ```ts
 * cpuConcat([a, b], 1);
 * ```
 */
export function cpuConcat(xs: readonly View[], axis: number, wide = false): CpuBuffer {
  const first = xs[0];
  const total = xs.reduce((p, x) => p + x.shape[axis], 0);
  const outShape = first.shape.map((d, i) => (i === axis ? total : d));
  const out = outArray(computeDType(first.dtype), shapeSize(outShape), wide);
  const outStrides = contiguousStrides(outShape);
  let start = 0;
  for (const x of xs) {
    const src = arrayOf(x);
    const so = stridedOffsets(x);
    const dst = offsetsFor(x.shape, outStrides, start * outStrides[axis]);
    for (let i = 0; i < dst.length; i++) out[dst[i]] = src[at(so, x.offset, i)];
    start += x.shape[axis];
  }
  return finishOut(computeDType(first.dtype), out);
}

/**
 * Zeros with `x` written at `starts + i * steps`.
 *
 * @example
 * ```ts
 * cpuPad(x, [4, 4], [1, 1], [1, 1]);
 * ```
 */
export function cpuPad(x: View, outShape: Shape, starts: readonly number[], steps: readonly number[], wide = false): CpuBuffer {
  const out = outArray(computeDType(x.dtype), shapeSize(outShape), wide);
  const os = contiguousStrides(outShape);
  const offset = starts.reduce((p, s, i) => p + s * os[i], 0);
  const dst = offsetsFor(x.shape, os.map((s, i) => s * steps[i]), offset);
  const src = arrayOf(x);
  const so = stridedOffsets(x);
  for (let i = 0; i < dst.length; i++) out[dst[i]] = src[at(so, x.offset, i)];
  return finishOut(computeDType(x.dtype), out);
}
