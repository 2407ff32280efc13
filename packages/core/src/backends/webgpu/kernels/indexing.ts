import type { View } from '../../../backend.js';
import { type Shape, contiguousStrides, isContiguous, shapeSize } from '../../../shape.js';
import { copyKernel, fillKernel } from './elementwise.js';
import type { KernelRunner } from './runner.js';
import { planWalk, walkOffsets, walkWordCount } from './strided-walk.js';
import { type Kernel, binding, computeType, flatIndex, grid1d, header, load, storageType, store, word } from './wgsl.js';

const WG = 64;
const NONE = 0xffffffff;

/** WGSL reading an index element as u32 (negative i32 become huge, so one `< size` test bounds both). */
function indexLoad(index: View, expr: string): string {
  return index.dtype === 'i32' ? `bitcast<u32>(${expr})` : expr;
}

/**
 * Gather along `axis` with an index of any rank and strides; out-of-range entries read zero. The
 * output is `x.shape` with `axis` replaced by `index.shape`.
 *
 * @example
 * ```ts
 * gatherKernel(table, ids, 0);
 * ```
 */
export function gatherKernel(x: View, index: View, axis: number): Kernel {
  const preShape = x.shape.slice(0, axis);
  const postShape = x.shape.slice(axis + 1);
  const ni = shapeSize(index.shape);
  const post = shapeSize(postShape);
  const total = shapeSize(preShape) * ni * post;
  const pre = planWalk(preShape, [{ strides: x.strides.slice(0, axis), offset: x.offset }]);
  const pst = planWalk(postShape, [{ strides: x.strides.slice(axis + 1), offset: 0 }]);
  const idx = planWalk(index.shape, [{ strides: index.strides, offset: index.offset }]);
  const words = [total, ni, post, x.shape[axis], x.strides[axis], ...pre.words, ...pst.words, ...idx.words];
  const key = `gather:${JSON.stringify([x.dtype, index.dtype, pre.sig, pst.sig, idx.sig])}`;
  const source = (): string => {
    const b1 = 5 + walkWordCount(pre.sig);
    const b2 = b1 + walkWordCount(pst.sig);
    let src = header([x.dtype], words.length);
    src += binding(1, 'x', x.dtype, 'read') + binding(2, 'idx', index.dtype, 'read') + binding(3, 'out', x.dtype, 'write');
    src += flatIndex(WG, word(0));
    src += `  let q = i % ${word(2)};
  let t = i / ${word(2)};
  let j = t % ${word(1)};
  let p = t / ${word(1)};
${walkOffsets(pre.sig, 5, 'p', ['op'], 'p')}${walkOffsets(pst.sig, b1, 'q', ['oq'], 'q')}${walkOffsets(idx.sig, b2, 'j', ['oi'], 'j')}  let row = ${indexLoad(index, 'idx[oi]')};
  if (row < ${word(3)}) {
    out[i] = x[op + row * ${word(4)} + oq];
  } else {
    out[i] = ${storageType(x.dtype)}();
  }
}
`;
    return src;
  };
  return { key, source, access: ['read', 'read', 'write'], words, grid: grid1d(total, WG) };
}

/**
 * For a contiguous index of `ni` entries, links each entry to the next entry with the same value
 * (`links[i]`, or 0xffffffff) and flags the first entry of each value (`links[ni + i]`). This fixes
 * the order in which {@link scatterSumKernel} adds duplicates, so results are deterministic.
 *
 * @example
 * ```ts
 * scatterLinksKernel(ids, ni);
 * ```
 */
export function scatterLinksKernel(index: View, ni: number): Kernel {
  const words = [ni, index.offset];
  const key = `scatter-links:${index.dtype}`;
  const source = (): string => {
    let src = header([], words.length);
    src += binding(1, 'idx', index.dtype, 'read') + binding(2, 'links', 'u32', 'write');
    src += flatIndex(WG, word(0));
    src += `  let n = ${word(0)};
  let base = ${word(1)};
  let row = ${indexLoad(index, 'idx[base + i]')};
  var first = 1u;
  for (var j = 0u; j < i; j = j + 1u) {
    if (${indexLoad(index, 'idx[base + j]')} == row) { first = 0u; break; }
  }
  var next = ${NONE}u;
  for (var j = i + 1u; j < n; j = j + 1u) {
    if (${indexLoad(index, 'idx[base + j]')} == row) { next = j; break; }
  }
  links[i] = next;
  links[n + i] = first;
}
`;
    return src;
  };
  return { key, source, access: ['read', 'write'], words, grid: grid1d(ni, WG) };
}

/**
 * Sums the source slices of each distinct index value in index order (following the links) and
 * writes them to their output row; rows no index names keep the zeros filled before.
 *
 * @example
 * ```ts
 * scatterSumKernel(src, ids, 0, vocab);
 * ```
 */
export function scatterSumKernel(src: View, index: View, axis: number, axisSize: number): Kernel {
  const ir = index.shape.length;
  const preShape = src.shape.slice(0, axis);
  const idxShape = src.shape.slice(axis, axis + ir);
  const postShape = src.shape.slice(axis + ir);
  const ni = shapeSize(idxShape);
  const post = shapeSize(postShape);
  const total = shapeSize(preShape) * ni * post;
  const pre = planWalk(preShape, [{ strides: src.strides.slice(0, axis), offset: src.offset }]);
  const mid = planWalk(idxShape, [{ strides: src.strides.slice(axis, axis + ir), offset: 0 }]);
  const pst = planWalk(postShape, [{ strides: src.strides.slice(axis + ir), offset: 0 }]);
  const words = [total, ni, post, axisSize, index.offset, ...pre.words, ...pst.words, ...mid.words];
  const key = `scatter-sum:${JSON.stringify([src.dtype, index.dtype, pre.sig, mid.sig, pst.sig])}`;
  const source = (): string => {
    const b1 = 5 + walkWordCount(pre.sig);
    const b2 = b1 + walkWordCount(pst.sig);
    let s = header([src.dtype], words.length);
    s += binding(1, 'src', src.dtype, 'read') + binding(2, 'idx', index.dtype, 'read') + binding(3, 'links', 'u32', 'read');
    s += binding(4, 'out', src.dtype, 'write');
    s += flatIndex(WG, word(0));
    s += `  let q = i % ${word(2)};
  let t = i / ${word(2)};
  let j0 = t % ${word(1)};
  let p = t / ${word(1)};
  if (links[${word(1)} + j0] == 0u) { return; }
  let row = ${indexLoad(index, `idx[${word(4)} + j0]`)};
  if (row >= ${word(3)}) { return; }
${walkOffsets(pre.sig, 5, 'p', ['op'], 'p')}${walkOffsets(pst.sig, b1, 'q', ['oq'], 'q')}  var acc = ${computeType(src.dtype)}(0);
  var j = j0;
  loop {
${walkOffsets(mid.sig, b2, 'j', ['oj'], 'j')}    acc = acc + ${load(src.dtype, 'src[op + oj + oq]')};
    j = links[j];
    if (j == ${NONE}u) { break; }
  }
  out[(p * ${word(3)} + row) * ${word(2)} + q] = ${store(src.dtype, 'acc')};
}
`;
    return s;
  };
  return { key, source, access: ['read', 'read', 'read', 'write'], words, grid: grid1d(total, WG) };
}

/**
 * Records the deterministic scatter-add (the adjoint of gather) into `out`, which has `src.shape`
 * with the index axes replaced by `axisSize`: zero-fill, link duplicates, sum each chain.
 *
 * @example
 * ```ts
 * encodeScatterAdd(runner, gradView, gradBuf, idsView, idsBuf, 0, vocab, outBuf);
 * ```
 */
export function encodeScatterAdd(
  runner: KernelRunner,
  src: View,
  srcBuf: GPUBuffer,
  index: View,
  indexBuf: GPUBuffer,
  axis: number,
  axisSize: number,
  out: GPUBuffer,
): void {
  const outSize = shapeSize(src.shape.slice(0, axis)) * axisSize * shapeSize(src.shape.slice(axis + index.shape.length));
  const bytes = outSize * (src.dtype === 'f16' ? 2 : 4);
  if (bytes > 0) runner.run(fillKernel(Math.ceil(bytes / 4), 0), [out]);
  const ni = shapeSize(index.shape);
  if (ni === 0 || shapeSize(src.shape) === 0) return;
  let idx = index;
  let idxBuf = indexBuf;
  let tmpIdx: GPUBuffer | null = null;
  if (!isContiguous(index.shape, index.strides)) {
    tmpIdx = runner.scratch(ni * 4);
    runner.run(copyKernel(index, index.dtype), [indexBuf, tmpIdx]);
    idx = { ...index, strides: contiguousStrides(index.shape), offset: 0 };
    idxBuf = tmpIdx;
  }
  const links = runner.scratch(ni * 8);
  runner.run(scatterLinksKernel(idx, ni), [idxBuf, links]);
  runner.run(scatterSumKernel(src, idx, axis, axisSize), [srcBuf, idxBuf, links, out]);
  runner.recycle(links);
  if (tmpIdx) runner.recycle(tmpIdx);
}

/**
 * Records the concatenation of `xs` along `axis` into `out` (one strided copy per input).
 *
 * @example
 * ```ts
 * encodeConcat(runner, [a, b], [aBuf, bBuf], 1, out);
 * ```
 */
export function encodeConcat(runner: KernelRunner, xs: readonly View[], bufs: readonly GPUBuffer[], axis: number, out: GPUBuffer): void {
  const total = xs.reduce((p, x) => p + x.shape[axis], 0);
  const outShape = xs[0].shape.map((d, i) => (i === axis ? total : d));
  const strides = contiguousStrides(outShape);
  let start = 0;
  xs.forEach((x, i) => {
    if (shapeSize(x.shape) > 0) runner.run(copyKernel(x, x.dtype, { strides, offset: start * strides[axis] }), [bufs[i], out]);
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
  xBuf: GPUBuffer,
  outShape: Shape,
  starts: readonly number[],
  steps: readonly number[],
  out: GPUBuffer,
): void {
  const bytes = shapeSize(outShape) * (x.dtype === 'f16' ? 2 : 4);
  if (bytes === 0) return;
  runner.run(fillKernel(Math.ceil(bytes / 4), 0), [out]);
  if (shapeSize(x.shape) === 0) return;
  const os = contiguousStrides(outShape);
  const offset = starts.reduce((p, s, i) => p + s * os[i], 0);
  runner.run(copyKernel(x, x.dtype, { strides: os.map((s, i) => s * steps[i]), offset }), [xBuf, out]);
}
