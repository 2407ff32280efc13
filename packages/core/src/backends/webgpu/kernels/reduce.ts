import type { Bindable } from '../buffer-window.js';
import type { ReduceOp, View } from '../../../backend-interface.js';
import { type DType, computeDType, gpuBytesPerElement } from '../../../dtype.js';
import { shapeSize } from '../../../shape.js';
import { fillKernel, fillPattern } from './elementwise.js';
import type { KernelRunner } from './runner.js';
import { collapse, planWalk, walkOffsets, walkWordCount } from './strided-walk.js';
import { type Kernel, binding, computeType, grid1d, header, read, store, word, f32Word } from './wgsl.js';

/** Threads per workgroup in the cooperative (workgroup-per-output) kernel. */
const COOP = 128;
/** Threads per workgroup in the thread-per-output kernel. */
const SERIAL = 64;
/** Inputs one workgroup folds before the reduction is split into partial results. */
const CHUNK = 4096;

interface ReduceSig {
  readonly op: ReduceOp;
  readonly inDtype: DType;
  readonly outDtype: DType;
}

const isArg = (op: ReduceOp): boolean => op === 'argmax' || op === 'argmin';

/** The identity bits of an accumulator (what a fold starts from). */
function initWord(op: ReduceOp, dtype: DType): number {
  const ct = computeType(dtype);
  if (op === 'sum') return 0;
  const high = op === 'min' || op === 'argmin';
  if (ct === 'f32') return f32Word(high ? Infinity : -Infinity);
  if (ct === 'i32') return high ? 0x7fffffff : 0x80000000;
  return high ? 0xffffffff : 0;
}

/** WGSL folding value `v` (index `k`) into the accumulator `acc` (and `ai` for arg ops). */
function foldStmt(op: ReduceOp, ct: string, v: string, k: string): string {
  if (op === 'sum') return `acc = acc + ${v};`;
  if (op === 'argmax') return `if (${v} > acc) { acc = ${v}; ai = ${k}; }`;
  if (op === 'argmin') return `if (${v} < acc) { acc = ${v}; ai = ${k}; }`;
  return `acc = ${combine(op, ct, 'acc', v)};`;
}

/** max/min that keep a NaN once seen (by its bits: float comparisons may ignore NaN). */
function combine(op: 'max' | 'min', ct: string, a: string, b: string): string {
  const f = `${op}(${a}, ${b})`;
  if (ct !== 'f32') return f;
  return `select(${f}, select(${b}, ${a}, peft_isnan(${a})), peft_isnan(${a}) || peft_isnan(${b}))`;
}

function finalValue(sig: ReduceSig): string {
  return isArg(sig.op) ? 'i32(ai)' : store(sig.outDtype, 'acc');
}

/**
 * One invocation per output element (or per chunk of one when `chunks > 1`), folding its inputs in
 * order with nested loops over the reduced axes (no index division in the loop). Chunks need the
 * reduced axes to collapse to one strided run; their results are partial and go through a second
 * pass. Used on GPUs when there are many outputs or few inputs each, and always on CPU adapters,
 * where workgroup barriers are slow.
 *
 * @example
 * ```ts
 * serialReduceKernel('sum', x, [1], 'f32');
 * ```
 */
export function serialReduceKernel(op: ReduceOp, x: View, axes: readonly number[], outDtype: DType, chunks = 1): Kernel {
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const keptShape = kept.map((d) => x.shape[d]);
  const outer = shapeSize(keptShape);
  const outerWalk = planWalk(keptShape, [{ strides: kept.map((d) => x.strides[d]), offset: x.offset }]);
  const inner = collapse(
    axes.map((d) => x.shape[d]),
    [axes.map((d) => x.strides[d])],
  );
  const r = inner.shape.length;
  const linear = r <= 1;
  if (chunks > 1 && !linear) throw new Error(`reduce: chunked folds need the reduced axes to collapse to one, got ${r}`);
  const n = linear ? (inner.shape[0] ?? 1) : 0;
  const chunk = Math.ceil(n / chunks);
  const layout = linear ? [n, inner.strides[0][0] ?? 0, chunks, chunk] : [...inner.shape, ...inner.strides[0]];
  const words = [outer * chunks, ...outerWalk.words, ...layout, initWord(op, x.dtype)];
  const sig = { op, inDtype: x.dtype, outDtype };
  const key = `reduce-serial:${JSON.stringify([sig, outerWalk.sig, linear ? -1 : r])}`;
  const source = (): string => {
    const ct = computeType(x.dtype);
    const base = 1 + walkWordCount(outerWalk.sig);
    let src = header([x.dtype, outDtype], words.length);
    src += binding(1, 'x', x.dtype, 'read') + binding(2, 'out', outDtype, 'write');
    src += `@compute @workgroup_size(${SERIAL})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let w = gid.x + gid.y * (nwg.x * ${SERIAL}u);
  if (w >= ${word(0)}) { return; }
`;
    if (linear) {
      src += `  let o = w / ${word(base + 2)};
  let g = w % ${word(base + 2)};
${walkOffsets(outerWalk.sig, 1, 'o', ['ob'], 'o')}  var acc = bitcast<${ct}>(${word(base + 4)});
  var ai = 0u;
  let stride = ${word(base + 1)};
  let end = min(g * ${word(base + 3)} + ${word(base + 3)}, ${word(base)});
  for (var k = g * ${word(base + 3)}; k < end; k++) {
    let v = ${read(x.dtype, 'x', 'ob + k * stride')};
    ${foldStmt(op, ct, 'v', 'k')}
  }
  out[w] = ${finalValue(sig)};
}
`;
      return src;
    }
    src += `  let o = w;
${walkOffsets(outerWalk.sig, 1, 'o', ['ob'], 'o')}  var acc = bitcast<${ct}>(${word(base + 2 * r)});
  var ai = 0u;
  var k = 0u;
`;
    let indent = '  ';
    const terms = ['ob'];
    for (let d = 0; d < r; d++) {
      src += `${indent}for (var c${d} = 0u; c${d} < ${word(base + d)}; c${d}++) {\n`;
      terms.push(`c${d} * ${word(base + r + d)}`);
      indent += '  ';
    }
    src += `${indent}let v = ${read(x.dtype, 'x', terms.join(' + '))};\n${indent}${foldStmt(op, ct, 'v', 'k')}\n${indent}k++;\n`;
    for (let d = r - 1; d >= 0; d--) src += `${'  '.repeat(d + 1)}}\n`;
    src += `  out[w] = ${finalValue(sig)};\n}\n`;
    return src;
  };
  return { key, source, access: ['read', 'write'], words, grid: grid1d(outer * chunks, SERIAL) };
}

/**
 * One workgroup per (output element, chunk of its inputs): the workgroup's invocations stride over
 * the chunk, then combine in a fixed tree (deterministic). With more than one chunk the results are
 * partial and go through a second pass.
 *
 * @example
 * ```ts
 * coopReduceKernel('max', x, [0], 'f32', 1);
 * ```
 */
export function coopReduceKernel(op: ReduceOp, x: View, axes: readonly number[], outDtype: DType, chunks: number): Kernel {
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const keptShape = kept.map((d) => x.shape[d]);
  const outer = shapeSize(keptShape);
  const redShape = axes.map((d) => x.shape[d]);
  const inner = shapeSize(redShape);
  const chunk = Math.ceil(inner / chunks);
  const outerWalk = planWalk(keptShape, [{ strides: kept.map((d) => x.strides[d]), offset: x.offset }]);
  const innerWalk = planWalk(redShape, [{ strides: axes.map((d) => x.strides[d]), offset: 0 }]);
  const words = [outer * chunks, chunks, chunk, inner, initWord(op, x.dtype), ...outerWalk.words, ...innerWalk.words];
  const sig = { op, inDtype: x.dtype, outDtype };
  const key = `reduce-coop:${JSON.stringify([sig, outerWalk.sig, innerWalk.sig])}`;
  const source = (): string => {
    const ct = computeType(x.dtype);
    const arg = isArg(op);
    const innerBase = 5 + walkWordCount(outerWalk.sig);
    let src = header([x.dtype, outDtype], words.length);
    src += binding(1, 'x', x.dtype, 'read') + binding(2, 'out', outDtype, 'write');
    src += `var<workgroup> sv: array<${ct}, ${COOP}>;\n${arg ? `var<workgroup> si: array<u32, ${COOP}>;\n` : ''}`;
    let better = '';
    if (arg) {
      const cmp = op === 'argmax' ? '>' : '<';
      better = `(sv[t + s] ${cmp} sv[t] || (sv[t + s] == sv[t] && si[t + s] < si[t]))`;
    }
    const merge = arg
      ? `if ${better} { sv[t] = sv[t + s]; si[t] = si[t + s]; }`
      : op === 'sum'
        ? 'sv[t] = sv[t] + sv[t + s];'
        : `sv[t] = ${combine(op as 'max' | 'min', ct, 'sv[t]', 'sv[t + s]')};`;
    src += `@compute @workgroup_size(${COOP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let w = wid.x + wid.y * nwg.x;
  if (w >= ${word(0)}) { return; }
  let o = w / ${word(1)};
  let g = w % ${word(1)};
${walkOffsets(outerWalk.sig, 5, 'o', ['ob'], 'o')}  let start = g * ${word(2)};
  let end = min(start + ${word(2)}, ${word(3)});
  var acc = bitcast<${ct}>(${word(4)});
  var ai = 0u;
  for (var k = start + t; k < end; k = k + ${COOP}u) {
${walkOffsets(innerWalk.sig, innerBase, 'k', ['ik'], 'k')}    let v = ${read(x.dtype, 'x', 'ob + ik')};
    ${foldStmt(op, ct, 'v', 'k')}
  }
  sv[t] = acc;
  ${arg ? 'si[t] = ai;' : ''}
  workgroupBarrier();
  for (var s = ${COOP / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { ${merge} }
    workgroupBarrier();
  }
  if (t == 0u) {
    acc = sv[0];
    ${arg ? 'ai = si[0];' : ''}
    out[w] = ${finalValue(sig)};
  }
}
`;
    return src;
  };
  const groups = grid1d(outer * chunks, 1);
  return { key, source, access: ['read', 'write'], words, grid: groups };
}

/**
 * Records a reduction of `x` over `axes` into `out`. On GPUs: one invocation per output when there
 * are many outputs or few inputs each, else one workgroup per output (split into partial results
 * plus a second pass for very long sums/max/min). On CPU adapters (`runner.softwareAdapter`), where
 * workgroup barriers cost far more than they save: always one invocation per output, with long
 * strided runs split into chunks so both cores take part. Empty reductions fill the reference's
 * value (0, ∓inf converted to the output dtype).
 *
 * @example
 * ```ts
 * encodeReduce(runner, 'sum', xView, xBuffer, [0, 2], outBuffer);
 * ```
 */
export function encodeReduce(runner: KernelRunner, op: ReduceOp, x: View, xBuf: Bindable, axes: readonly number[], out: Bindable): void {
  const outDtype: DType = isArg(op) ? 'i32' : computeDType(x.dtype);
  const outer = shapeSize(x.shape.filter((_, d) => !axes.includes(d)));
  const inner = shapeSize(axes.map((d) => x.shape[d]));
  if (outer === 0) return;
  if (inner === 0) {
    const value = op === 'sum' || isArg(op) ? 0 : op === 'max' ? -Infinity : Infinity;
    const bytes = outer * gpuBytesPerElement(outDtype);
    runner.run(fillKernel(Math.ceil(bytes / 4), fillPattern(outDtype, value)), [out]);
    return;
  }
  const splittable = !isArg(op) && collapse(axes.map((d) => x.shape[d]), [axes.map((d) => x.strides[d])]).shape.length <= 1;
  if (runner.softwareAdapter) {
    const chunks = splittable && outer < 64 && inner >= 1 << 15 ? Math.min(Math.ceil(inner / 8192), Math.ceil(256 / outer)) : 1;
    if (chunks === 1) runner.run(serialReduceKernel(op, x, axes, outDtype), [xBuf, out]);
    else twoPass(runner, op, x, xBuf, axes, out, outer, chunks, (dtype) => serialReduceKernel(op, x, axes, dtype, chunks));
    return;
  }
  if (inner <= 16 || outer >= 4096) {
    runner.run(serialReduceKernel(op, x, axes, outDtype), [xBuf, out]);
    return;
  }
  const chunks = isArg(op) ? 1 : Math.max(1, Math.min(Math.ceil(inner / CHUNK), Math.floor(256 / outer)));
  if (chunks === 1) runner.run(coopReduceKernel(op, x, axes, outDtype, 1), [xBuf, out]);
  else twoPass(runner, op, x, xBuf, axes, out, outer, chunks, (dtype) => coopReduceKernel(op, x, axes, dtype, chunks));
}

/** Folds into `chunks` partial results per output (kept in the compute type), then folds those. */
function twoPass(
  runner: KernelRunner,
  op: ReduceOp,
  x: View,
  xBuf: Bindable,
  axes: readonly number[],
  out: Bindable,
  outer: number,
  chunks: number,
  first: (partialDtype: DType) => Kernel,
): void {
  const partialDtype = computeType(x.dtype);
  const partial = runner.scratch(outer * chunks * 4);
  runner.run(first(partialDtype), [xBuf, partial]);
  const pv: View = { buffer: { byteLength: partial.size }, dtype: partialDtype, shape: [outer, chunks], strides: [chunks, 1], offset: 0 };
  const again = op === 'max' || op === 'min' ? op : 'sum';
  runner.run(serialReduceKernel(again, pv, [1], isArg(op) ? 'i32' : x.dtype), [partial, out]);
  runner.recycle(partial);
}
