import type { Bindable } from '../buffer-window.js';
import type { View } from '../../../backend-interface.js';
import { computeDType, gpuBytesPerElement } from '../../../dtype.js';
import { contiguousStrides, isContiguous, shapeSize } from '../../../shape.js';
import { copyKernel, fillKernel } from './elementwise.js';
import type { KernelRunner } from './runner.js';
import { planWalk, walkOffsets, walkWordCount } from './strided-walk.js';
import { type Kernel, binding, computeType, flatIndex, grid1d, header, indexLoad, read, store, word } from './wgsl.js';

const WG = 64;
const NONE = 0xffffffff;
/** From this many index entries on, duplicates are found by sorting instead of pairwise search. */
const SORT_FROM = 1024;

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
  let row = ${indexLoad(index.dtype, 'idx[base + i]')};
  var first = 1u;
  for (var j = 0u; j < i; j = j + 1u) {
    if (${indexLoad(index.dtype, 'idx[base + j]')} == row) { first = 0u; break; }
  }
  var next = ${NONE}u;
  for (var j = i + 1u; j < n; j = j + 1u) {
    if (${indexLoad(index.dtype, 'idx[base + j]')} == row) { next = j; break; }
  }
  links[i] = next;
  links[n + i] = first;
}
`;
    return src;
  };
  return { key, source, access: ['read', 'write'], words, grid: grid1d(ni, WG) };
}

/** The walks over the source's leading, index and trailing axes that both scatter kernels use. */
function scatterPlan(src: View, indexRank: number, axis: number) {
  const preShape = src.shape.slice(0, axis);
  const idxShape = src.shape.slice(axis, axis + indexRank);
  const postShape = src.shape.slice(axis + indexRank);
  const ni = shapeSize(idxShape);
  const post = shapeSize(postShape);
  return {
    ni,
    post,
    total: shapeSize(preShape) * ni * post,
    pre: planWalk(preShape, [{ strides: src.strides.slice(0, axis), offset: src.offset }]),
    mid: planWalk(idxShape, [{ strides: src.strides.slice(axis, axis + indexRank), offset: 0 }]),
    pst: planWalk(postShape, [{ strides: src.strides.slice(axis + indexRank), offset: 0 }]),
  };
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
  const { ni, post, total, pre, mid, pst } = scatterPlan(src, index.shape.length, axis);
  const words = [total, ni, post, axisSize, index.offset, ...pre.words, ...pst.words, ...mid.words];
  const key = `scatter-sum:${JSON.stringify([src.dtype, index.dtype, pre.sig, mid.sig, pst.sig])}`;
  const source = (): string => {
    const b1 = 5 + walkWordCount(pre.sig);
    const b2 = b1 + walkWordCount(pst.sig);
    let s = header([src.dtype], words.length);
    s += binding(1, 'src', src.dtype, 'read') + binding(2, 'idx', index.dtype, 'read') + binding(3, 'links', 'u32', 'read');
    s += binding(4, 'out', computeDType(src.dtype), 'write');
    s += flatIndex(WG, word(0));
    s += `  let q = i % ${word(2)};
  let t = i / ${word(2)};
  let j0 = t % ${word(1)};
  let p = t / ${word(1)};
  if (links[${word(1)} + j0] == 0u) { return; }
  let row = ${indexLoad(index.dtype, `idx[${word(4)} + j0]`)};
  if (row >= ${word(3)}) { return; }
${walkOffsets(pre.sig, 5, 'p', ['op'], 'p')}${walkOffsets(pst.sig, b1, 'q', ['oq'], 'q')}  var acc = ${computeType(src.dtype)}(0);
  var j = j0;
  loop {
${walkOffsets(mid.sig, b2, 'j', ['oj'], 'j')}    acc = acc + ${read(src.dtype, 'src', 'op + oj + oq')};
    j = links[j];
    if (j == ${NONE}u) { break; }
  }
  out[(p * ${word(3)} + row) * ${word(2)} + q] = ${store(computeDType(src.dtype), 'acc')};
}
`;
    return s;
  };
  return { key, source, access: ['read', 'read', 'read', 'write'], words, grid: grid1d(total, WG) };
}

/**
 * Sort keys for the index: `row << 16 | position` (rows and positions below 65536), or 0xffffffff
 * for out-of-range rows and the padding up to `n2`, a power of two.
 *
 * @example
 * ```ts
 * scatterKeysKernel(ids, 50257, 4096);
 * ```
 */
export function scatterKeysKernel(index: View, axisSize: number, n2: number): Kernel {
  const ni = shapeSize(index.shape);
  const walk = planWalk(index.shape, [{ strides: index.strides, offset: index.offset }]);
  const words = [n2, ni, axisSize, ...walk.words];
  const key = `scatter-keys:${JSON.stringify([index.dtype, walk.sig])}`;
  const source = (): string => {
    let src = header([], words.length);
    src += binding(1, 'idx', index.dtype, 'read') + binding(2, 'keys', 'u32', 'write');
    src += flatIndex(WG, word(0));
    src += `  var k = ${NONE}u;
  if (i < ${word(1)}) {
${walkOffsets(walk.sig, 3, 'i', ['oi'], 'i')}    let row = ${indexLoad(index.dtype, 'idx[oi]')};
    if (row < ${word(2)}) { k = (row << 16u) | i; }
  }
  keys[i] = k;
}
`;
    return src;
  };
  return { key, source, access: ['read', 'write'], words, grid: grid1d(n2, WG) };
}

/**
 * One compare-exchange step (`k`, `j`) of a bitonic sort of `n2` u32 keys in place.
 *
 * @example
 * ```ts
 * bitonicStepKernel(4096, 8, 2);
 * ```
 */
export function bitonicStepKernel(n2: number, k: number, j: number): Kernel {
  const words = [n2, k, j];
  const source = (): string =>
    `${header([], words.length)}${binding(1, 'keys', 'u32', 'write')}${flatIndex(WG, word(0))}  let l = i ^ ${word(2)};
  if (l > i) {
    let a = keys[i];
    let b = keys[l];
    let up = (i & ${word(1)}) == 0u;
    if ((a > b) == up) {
      keys[i] = b;
      keys[l] = a;
    }
  }
}
`;
  return { key: 'bitonic-step', source, access: ['write'], words, grid: grid1d(n2, WG) };
}

/**
 * Sums runs of sorted keys with the same row (in index order) into their output row. One invocation
 * per (leading index, run start, trailing index); rows no index names keep the zeros filled before.
 *
 * @example
 * ```ts
 * scatterSortedSumKernel(src, 1, 0, vocab);
 * ```
 */
export function scatterSortedSumKernel(src: View, indexRank: number, axis: number, axisSize: number): Kernel {
  const { ni, post, total, pre, mid, pst } = scatterPlan(src, indexRank, axis);
  const words = [total, ni, post, axisSize, ...pre.words, ...pst.words, ...mid.words];
  const key = `scatter-sorted-sum:${JSON.stringify([src.dtype, pre.sig, mid.sig, pst.sig])}`;
  const source = (): string => {
    const b1 = 4 + walkWordCount(pre.sig);
    const b2 = b1 + walkWordCount(pst.sig);
    let s = header([src.dtype], words.length);
    s += binding(1, 'src', src.dtype, 'read') + binding(2, 'keys', 'u32', 'read') + binding(3, 'out', computeDType(src.dtype), 'write');
    s += flatIndex(WG, word(0));
    s += `  let q = i % ${word(2)};
  let t = i / ${word(2)};
  let s0 = t % ${word(1)};
  let p = t / ${word(1)};
  let row = keys[s0] >> 16u;
  if (row == 0xffffu) { return; }
  if (s0 > 0u && (keys[s0 - 1u] >> 16u) == row) { return; }
${walkOffsets(pre.sig, 4, 'p', ['op'], 'p')}${walkOffsets(pst.sig, b1, 'q', ['oq'], 'q')}  var acc = ${computeType(src.dtype)}(0);
  var r = s0;
  loop {
    let j = keys[r] & 0xffffu;
${walkOffsets(mid.sig, b2, 'j', ['oj'], 'j')}    acc = acc + ${read(src.dtype, 'src', 'op + oj + oq')};
    r = r + 1u;
    if (r >= ${word(1)} || (keys[r] >> 16u) != row) { break; }
  }
  out[(p * ${word(3)} + row) * ${word(2)} + q] = ${store(computeDType(src.dtype), 'acc')};
}
`;
    return s;
  };
  return { key, source, access: ['read', 'read', 'write'], words, grid: grid1d(total, WG) };
}

/**
 * Records the deterministic scatter-add (the adjoint of gather) into `out`, which has `src.shape`
 * with the index axes replaced by `axisSize`. Duplicates are summed in index order, so results do
 * not depend on scheduling: short indices link each entry to its next duplicate by a pairwise
 * search; long ones (rows and entries below 65536) sort `(row, position)` keys with a bitonic sort
 * and sum each run.
 *
 * @example
 * ```ts
 * encodeScatterAdd(runner, gradView, gradBuf, idsView, idsBuf, 0, vocab, outBuf);
 * ```
 */
export function encodeScatterAdd(
  runner: KernelRunner,
  src: View,
  srcBuf: Bindable,
  index: View,
  indexBuf: Bindable,
  axis: number,
  axisSize: number,
  out: Bindable,
): void {
  const outSize = shapeSize(src.shape.slice(0, axis)) * axisSize * shapeSize(src.shape.slice(axis + index.shape.length));
  const bytes = outSize * gpuBytesPerElement(computeDType(src.dtype));
  if (bytes > 0) runner.run(fillKernel(Math.ceil(bytes / 4), 0), [out]);
  const ni = shapeSize(index.shape);
  if (ni === 0 || shapeSize(src.shape) === 0) return;
  if (ni >= SORT_FROM && ni < 65536 && axisSize < 65535) {
    const n2 = 2 ** Math.ceil(Math.log2(ni));
    const keys = runner.scratch(n2 * 4);
    runner.run(scatterKeysKernel(index, axisSize, n2), [indexBuf, keys]);
    for (let k = 2; k <= n2; k *= 2) for (let j = k / 2; j >= 1; j /= 2) runner.run(bitonicStepKernel(n2, k, j), [keys]);
    runner.run(scatterSortedSumKernel(src, index.shape.length, axis, axisSize), [srcBuf, keys, out]);
    runner.recycle(keys);
    return;
  }
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
