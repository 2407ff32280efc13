import type { Bindable } from '../buffer-window.js';
import type { View } from '../../../backend-interface.js';
import { computeDType, gpuBytesPerElement, resultDType } from '../../../dtype.js';
import { type Shape, contiguousStrides, shapeSize } from '../../../shape.js';
import { copyKernel, fillKernel } from './elementwise.js';
import type { KernelRunner } from './runner.js';
import { planWalk, walkOffsets, walkWordCount } from './strided-walk.js';
import { type Kernel, binding, flatIndex, grid1d, header, indexLoad, read, storageType, store, word } from './wgsl.js';

const WG = 64;


/**
 * Gather along `axis` with an index of any rank and strides; out-of-range entries read zero. The
 * output is `x.shape` with `axis` replaced by `index.shape`. With `base`, `x` is the block of a larger
 * tensor starting at entry `base` of `axis`: index values are taken relative to it, and outputs whose
 * index falls outside the block are left as they are (the caller zeroes the output first and records
 * one gather per block).
 *
 * @example
 * ```ts
 * gatherKernel(table, ids, 0);
 * gatherKernel(rowsFrom4096, ids, 0, 4096); // one block of a table too large for one binding
 * ```
 */
export function gatherKernel(x: View, index: View, axis: number, base?: number): Kernel {
  const preShape = x.shape.slice(0, axis);
  const postShape = x.shape.slice(axis + 1);
  const ni = shapeSize(index.shape);
  const post = shapeSize(postShape);
  const total = shapeSize(preShape) * ni * post;
  const pre = planWalk(preShape, [{ strides: x.strides.slice(0, axis), offset: x.offset }]);
  const pst = planWalk(postShape, [{ strides: x.strides.slice(axis + 1), offset: 0 }]);
  const idx = planWalk(index.shape, [{ strides: index.strides, offset: index.offset }]);
  const block = base !== undefined;
  const words = [total, ni, post, x.shape[axis], x.strides[axis], ...pre.words, ...pst.words, ...idx.words, ...(block ? [base >>> 0] : [])];
  const out = computeDType(x.dtype);
  const key = `gather:${JSON.stringify([x.dtype, index.dtype, pre.sig, pst.sig, idx.sig, block])}`;
  const source = (): string => {
    const b1 = 5 + walkWordCount(pre.sig);
    const b2 = b1 + walkWordCount(pst.sig);
    let src = header([x.dtype, out], words.length);
    src += binding(1, 'x', x.dtype, 'read') + binding(2, 'idx', index.dtype, 'read') + binding(3, 'out', out, 'write');
    src += flatIndex(WG, word(0));
    src += `  let q = i % ${word(2)};
  let t = i / ${word(2)};
  let j = t % ${word(1)};
  let p = t / ${word(1)};
${walkOffsets(pre.sig, 5, 'p', ['op'], 'p')}${walkOffsets(pst.sig, b1, 'q', ['oq'], 'q')}${walkOffsets(idx.sig, b2, 'j', ['oi'], 'j')}  let row = ${indexLoad(index.dtype, 'idx[oi]')}${block ? ` - ${word(words.length - 1)}` : ''};
  if (row < ${word(3)}) {
    out[i] = ${store(out, read(x.dtype, 'x', `op + row * ${word(4)} + oq`))};
  }${block ? '' : ` else {
    out[i] = ${storageType(out)}();
  }`}
}
`;
    return src;
  };
  return { key, source, access: ['read', 'read', 'write'], words, grid: grid1d(total, WG) };
}

/**
 * Records the concatenation of `xs` along `axis` into `out` (one strided copy per input).
 *
 * @example
 * ```ts
 * encodeConcat(runner, [a, b], [aBuf, bBuf], 1, out);
 * ```
 */
export function encodeConcat(runner: KernelRunner, xs: readonly View[], bufs: readonly Bindable[], axis: number, out: Bindable): void {
  const total = xs.reduce((p, x) => p + x.shape[axis], 0);
  const outShape = xs[0].shape.map((d, i) => (i === axis ? total : d));
  const strides = contiguousStrides(outShape);
  const dtype = resultDType(xs.map((x) => x.dtype)) ?? xs[0].dtype;
  let start = 0;
  xs.forEach((x, i) => {
    if (shapeSize(x.shape) > 0) runner.run(copyKernel(x, dtype, { strides, offset: start * strides[axis] }), [bufs[i], out]);
    start += x.shape[axis];
  });
}

/**
 * Records zeros of `outShape` with `x` written at `starts + i * steps` (the adjoint of a strided slice).
 *
 * @example
 * ```ts
 * encodePad(runner, x, xBuf, [4, 4], [1, 1], [1, 1], out);
 * ```
 */
export function encodePad(
  runner: KernelRunner,
  x: View,
  xBuf: Bindable,
  outShape: Shape,
  starts: readonly number[],
  steps: readonly number[],
  out: Bindable,
): void {
  const dtype = computeDType(x.dtype);
  const bytes = shapeSize(outShape) * gpuBytesPerElement(dtype);
  if (bytes === 0) return;
  runner.run(fillKernel(Math.ceil(bytes / 4), 0), [out]);
  if (shapeSize(x.shape) === 0) return;
  const os = contiguousStrides(outShape);
  const offset = starts.reduce((p, s, i) => p + s * os[i], 0);
  runner.run(copyKernel(x, dtype, { strides: os.map((s, i) => s * steps[i]), offset }), [xBuf, out]);
}
