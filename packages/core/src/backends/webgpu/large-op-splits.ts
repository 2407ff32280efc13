import type { ReduceOp, View } from '../../backend-interface.js';
import { computeDType, gpuBytesPerElement } from '../../dtype.js';
import { matmulOutDType } from './kernels/matmul-dtype.js';
import { DeviceError } from '../../errors.js';
import { type Shape, contiguousStrides, shapeSize } from '../../shape.js';
import { type Bindable, BufferWindow } from './buffer-window.js';
import { binaryKernel, copyKernel, fillKernel, mapKernel } from './kernels/elementwise.js';
import { gatherKernel } from './kernels/indexing.js';
import { encodeMatmul } from './kernels/matmul.js';
import { encodeReduce } from './kernels/reduce.js';
import { encodeScatterAdd } from './kernels/scatter-add.js';
import type { KernelRunner } from './kernels/runner.js';
import { type PieceHost, denseView, recordInPieces, sliceAxis, viewSpan } from './large-operands.js';

// The cuts an op needs when its output fits one binding but an input does not: a table read by
// rows (gather), a weight read by blocks of columns or of its inner dimension (matmul), a tensor
// reduced in blocks (reduce). Each returns false when no block size makes the inputs bind.

type Bound = { view: View; buf: Bindable };

/** The longest block along `axis` whose every cut of `view` binds (halving from the whole axis), or 0. */
function blockLength(host: PieceHost, views: readonly View[], axes: readonly number[]): number {
  const size = views[0].shape[axes[0]];
  const fits = (len: number): boolean => {
    for (let s = 0; s < size; s += len) {
      const l = Math.min(len, size - s);
      if (views.some((v, i) => !host.bind(sliceAxis(v, axes[i], s, l)))) return false;
    }
    return true;
  };
  for (let len = Math.ceil(size / 2); len >= 1; len = len === 1 ? 0 : Math.ceil(len / 2)) if (fits(len)) return len;
  return 0;
}

const dense = denseView;

/**
 * A matmul piece of a 16-bit operand is cut along `axis` to the length an f32 operand's would have.
 * The texture matmul copies a piece into texels of its own width, so this keeps that staging at half
 * a binding rather than a whole one (Qwen2.5-0.5B's 272 MB bf16 head, quick step on lavapipe: 64 MB
 * less peak at the same speed; cutting was needed when 16-bit pieces were widened into f32 texels).
 */
function stagedLength(host: PieceHost, v: View, axis: number, len: number): number {
  if (len <= 1 || gpuBytesPerElement(v.dtype) >= 4) return len;
  const per = shapeSize(v.shape) / Math.max(1, v.shape[axis]);
  while (len > 1 && len * per * 4 > host.maxBind) len = Math.ceil(len / 2);
  return len;
}

/**
 * Combines partial results block by block into `out`: `emit(start, length, into)` records one block's
 * partial result of `shape`; partials are folded in order with `op` through two scratch accumulators.
 */
function combineBlocks(
  host: PieceHost,
  runner: KernelRunner,
  op: 'add' | 'maximum' | 'minimum',
  shape: Shape,
  dtype: View['dtype'],
  size: number,
  len: number,
  emit: (start: number, length: number, into: GPUBuffer) => void,
  out: Bindable,
): void {
  const bytes = Math.max(1, shapeSize(shape)) * gpuBytesPerElement(dtype);
  let acc = host.scratch(bytes);
  let next = host.scratch(bytes);
  const part = host.scratch(bytes);
  const view = dense(shape, dtype);
  for (let s = 0; s < size; s += len) {
    emit(s, Math.min(len, size - s), s === 0 ? acc : part);
    if (s === 0) continue;
    runner.run(binaryKernel(op, view, view, shape), [acc, part, next]);
    [acc, next] = [next, acc];
  }
  runner.run(copyKernel(view, dtype), [acc, out]);
  for (const t of [acc, next, part]) host.recycle(t);
}

/**
 * `a @ b` into `out` when `b` (or `a`) spans more than one binding: by blocks of `b`'s columns when
 * its columns are compact (a transposed weight `[n, k]`, as an LM head reads it), each block's
 * product copied into its columns of `out`; otherwise by blocks of the inner dimension, the partial
 * products summed in order.
 *
 * @example
 * ```ts
 * matmulInPieces(host, runner, hidden, headT, [tokens, vocab], out);
 * ```
 */
export function matmulInPieces(host: PieceHost, runner: KernelRunner, a: View, b: View, shape: Shape, out: Bindable): boolean {
  const r = a.shape.length;
  const [k, n] = [a.shape[r - 1], b.shape[r - 1]];
  const od = matmulOutDType(a, b);
  const bpe = gpuBytesPerElement(od);
  const ab = host.bind(a);
  if (ab && Math.abs(b.strides[r - 1]) >= Math.abs(b.strides[r - 2])) {
    const len = stagedLength(host, b, r - 1, blockLength(host, [b], [r - 1]));
    if (len > 0) {
      const outStrides = contiguousStrides(shape);
      for (let s = 0; s < n; s += len) {
        const l = Math.min(len, n - s);
        const bb = host.bind(sliceAxis(b, r - 1, s, l))!;
        const partShape = [...shape.slice(0, -1), l];
        const tmp = host.scratch(shapeSize(partShape) * bpe);
        encodeMatmul(runner, ab.view, ab.buf, bb.view, bb.buf, tmp);
        runner.run(copyKernel(dense(partShape, od), od, { strides: outStrides, offset: s }), [tmp, out]);
        host.recycle(tmp);
      }
      return true;
    }
  }
  const len = stagedLength(host, b, r - 2, stagedLength(host, a, r - 1, blockLength(host, [a, b], [r - 1, r - 2])));
  if (len === 0 || len >= k) return false;
  combineBlocks(host, runner, 'add', shape, od, k, len, (s, l, into) => {
    const [pa, pb] = [host.bind(sliceAxis(a, r - 1, s, l))!, host.bind(sliceAxis(b, r - 2, s, l))!];
    encodeMatmul(runner, pa.view, pa.buf, pb.view, pb.buf, into);
  }, out);
  return true;
}

/**
 * Gather along `axis` from a table that spans more than one binding: `out` zeroed, then one gather per
 * block of the table's rows, each writing the outputs whose index falls in its block.
 *
 * @example
 * ```ts
 * gatherInPieces(host, runner, embedding, ids, 0, [tokens, d], out);
 * ```
 */
export function gatherInPieces(host: PieceHost, runner: KernelRunner, x: View, index: View, axis: number, shape: Shape, out: Bindable): boolean {
  const ib = host.bind(index);
  const len = ib ? blockLength(host, [x], [axis]) : 0;
  if (!ib || len === 0) return false;
  runner.run(fillKernel(Math.ceil((shapeSize(shape) * gpuBytesPerElement(computeDType(x.dtype))) / 4), 0), [out]);
  for (let s = 0; s < x.shape[axis]; s += len) {
    const xb = host.bind(sliceAxis(x, axis, s, Math.min(len, x.shape[axis] - s)))!;
    runner.run(gatherKernel(xb.view, ib.view, axis, s), [xb.buf, ib.buf, out]);
  }
  return true;
}

const COMBINE = { sum: 'add', max: 'maximum', min: 'minimum' } as const;

/**
 * A sum, max or min over a tensor that spans more than one binding: reduced block by block along its
 * widest reduced axis, the partial results combined in order (argmax and argmin are not cut).
 *
 * @example
 * ```ts
 * reduceInPieces(host, runner, 'sum', grads, [0, 1], [], out);
 * ```
 */
export function reduceInPieces(host: PieceHost, runner: KernelRunner, op: ReduceOp, x: View, axes: readonly number[], shape: Shape, out: Bindable): boolean {
  if (op !== 'sum' && op !== 'max' && op !== 'min') return false;
  const widest = [...axes].sort((p, q) => Math.abs(x.strides[q]) * (x.shape[q] - 1) - Math.abs(x.strides[p]) * (x.shape[p] - 1))[0];
  if (widest === undefined) return false;
  const len = blockLength(host, [x], [widest]);
  if (len === 0 || len >= x.shape[widest]) return false;
  combineBlocks(host, runner, COMBINE[op], shape, computeDType(x.dtype), x.shape[widest], len, (s, l, into) => {
    const xb: Bound = host.bind(sliceAxis(x, widest, s, l))!;
    encodeReduce(runner, op, xb.view, xb.buf, axes, into);
  }, out);
  return true;
}

/**
 * The scatter-add of one piece of the output: rows `[base, base + shape[axis])` of `axis`. The index
 * is rebased to the piece (entries outside it fall out of range and are skipped by the kernel).
 *
 * @example
 * ```ts
 * scatterAddPiece(runner, src, srcBuf, ids, idsBuf, 0, 4096, [4096, d], out);
 * ```
 */
export function scatterAddPiece(
  runner: KernelRunner,
  src: View,
  srcBuf: Bindable,
  index: View,
  indexBuf: Bindable,
  axis: number,
  base: number,
  shape: Shape,
  out: Bindable,
): void {
  if (base === 0) return encodeScatterAdd(runner, src, srcBuf, index, indexBuf, axis, shape[axis], out);
  const ni = shapeSize(index.shape);
  const rebased = runner.scratch(Math.max(1, ni) * 4);
  const scalars = [{ name: 'base', type: index.dtype === 'u32' ? 'u32' : 'i32', word: base >>> 0 }] as const;
  runner.run(mapKernel({ name: 'rebase', inputs: [index], vars: ['x'], outDtype: index.dtype, expr: 'x - base', scalars }), [indexBuf, rebased]);
  encodeScatterAdd(runner, src, srcBuf, dense(index.shape, index.dtype), rebased, axis, shape[axis], out);
  runner.recycle(rebased);
}

/**
 * A scatter-add whose source spans more than one binding: summed block by block of index positions
 * (the source's `axis`, the index's first axis), the partial outputs added in order.
 *
 * @example
 * ```ts
 * scatterAddInPieces(host, runner, grads, ids, 0, vocab, 0, [vocab, d], out);
 * ```
 */
export function scatterAddInPieces(host: PieceHost, runner: KernelRunner, src: View, index: View, axis: number, base: number, shape: Shape, out: Bindable): boolean {
  if (index.shape.length === 0) return false;
  const len = blockLength(host, [src, index], [axis, 0]);
  if (len === 0 || len >= index.shape[0]) return false;
  combineBlocks(host, runner, 'add', shape, computeDType(src.dtype), index.shape[0], len, (s, l, into) => {
    const [ps, pi] = [host.bind(sliceAxis(src, axis, s, l))!, host.bind(sliceAxis(index, 0, s, l))!];
    scatterAddPiece(runner, ps.view, ps.buf, pi.view, pi.buf, axis, base, shape, into);
  }, out);
  return true;
}

/**
 * Zeros of `outShape` with `x` written at `starts + i * steps`, into an output larger than one binding:
 * the zeros in pieces, then `x` in blocks of its leading rows, each copied into the window of the output
 * its destinations span (the gradient of a slice of large logits).
 *
 * @example
 * ```ts
 * padInPieces(host, gradOfShifted, [4, 128, vocab], [0, 0, 0], [1, 1, 1], out);
 * ```
 */
export function padInPieces(host: PieceHost, x: View, outShape: Shape, starts: readonly number[], steps: readonly number[], out: GPUBuffer): void {
  const od = computeDType(x.dtype);
  const bpe = gpuBytesPerElement(od);
  recordInPieces(
    host,
    {
      op: 'pad',
      inputs: [],
      outShape: [shapeSize(outShape)],
      outDtype: od,
      slice: () => [],
      leaf: (_views, _bufs, shape, ob) => host.run(fillKernel(Math.ceil((shapeSize(shape) * bpe) / 4), 0), [ob]),
    },
    out,
  );
  const os = contiguousStrides(outShape);
  const strides = os.map((s, i) => s * steps[i]);
  const write = (v: View, offset: number): void => {
    if (shapeSize(v.shape) === 0) return;
    const { lo, hi } = viewSpan({ shape: v.shape, strides, offset });
    const start = Math.floor((lo * bpe) / host.align) * host.align;
    const bytes = hi * bpe - start;
    const xb = host.bind(v);
    if (xb && bytes <= host.maxBind) {
      const window = new BufferWindow(out, start, Math.min(out.size - start, Math.ceil(bytes / 16) * 16));
      host.run(copyKernel(xb.view, od, { strides, offset: offset - start / bpe }), [xb.buf, window]);
      return;
    }
    const axis = v.shape.findIndex((d) => d > 1);
    if (axis < 0) throw new DeviceError('OUT_OF_MEMORY', `webgpu pad: one element of ${x.dtype}${JSON.stringify(x.shape)} spans more than one binding (${host.maxBind} bytes)`);
    const half = Math.ceil(v.shape[axis] / 2);
    write(sliceAxis(v, axis, 0, half), offset);
    write(sliceAxis(v, axis, half, v.shape[axis] - half), offset + half * strides[axis]);
  };
  write(x, starts.reduce((p, s, i) => p + s * os[i], 0));
}
