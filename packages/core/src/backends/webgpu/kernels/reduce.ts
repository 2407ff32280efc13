import type { ReduceOp, View } from '../../../backend.js';
import type { DType } from '../../../dtype.js';
import { shapeSize } from '../../../shape.js';
import { fillKernel, fillPattern } from './elementwise.js';
import type { KernelRunner } from './runner.js';
import { collapse, planWalk, walkOffsets, walkWordCount } from './strided-walk.js';
import { type Kernel, binding, computeType, grid1d, header, load, store, word, f32Word } from './wgsl.js';

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
 * One invocation per output element, folding its inputs in order with nested loops over the reduced
 * axes (no index division in the loop). Used when there are many outputs or few inputs each.
 *
 * @example
 * ```ts
 * serialReduceKernel('sum', x, [1], 'f32');
 * ```
 */
export function serialReduceKernel(op: ReduceOp, x: View, axes: readonly number[], outDtype: DType): Kernel {
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const keptShape = kept.map((d) => x.shape[d]);
  const outer = shapeSize(keptShape);
  const outerWalk = planWalk(keptShape, [{ strides: kept.map((d) => x.strides[d]), offset: x.offset }]);
  const inner = collapse(
    axes.map((d) => x.shape[d]),
    [axes.map((d) => x.strides[d])],
  );
  const r = inner.shape.length;
  const words = [outer, ...outerWalk.words, ...inner.shape, ...inner.strides[0], initWord(op, x.dtype)];
  const sig = { op, inDtype: x.dtype, outDtype };
  const key = `reduce-serial:${JSON.stringify([sig, outerWalk.sig, r])}`;
  const source = (): string => {
    const ct = computeType(x.dtype);
    const base = 1 + walkWordCount(outerWalk.sig);
    let src = header([x.dtype, outDtype], words.length);
    src += binding(1, 'x', x.dtype, 'read') + binding(2, 'out', outDtype, 'write');
    src += `@compute @workgroup_size(${SERIAL})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = gid.x + gid.y * (nwg.x * ${SERIAL}u);
  if (o >= ${word(0)}) { return; }
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
    src += `${indent}let v = ${load(x.dtype, `x[${terms.join(' + ')}]`)};\n${indent}${foldStmt(op, ct, 'v', 'k')}\n${indent}k++;\n`;
    for (let d = r - 1; d >= 0; d--) src += `${'  '.repeat(d + 1)}}\n`;
    src += `  out[o] = ${finalValue(sig)};\n}\n`;
    return src;
  };
  return { key, source, access: ['read', 'write'], words, grid: grid1d(outer, SERIAL) };
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
${walkOffsets(innerWalk.sig, innerBase, 'k', ['ik'], 'k')}    let v = ${load(x.dtype, 'x[ob + ik]')};
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
 * Records a reduction of `x` over `axes` into `out`: picks the thread-per-output kernel when there
 * are many outputs or few inputs each, the workgroup-per-output kernel otherwise, and splits very
 * long sums/max/min into partial results plus a second pass so both cores (or all SMs) take part.
 * Empty reductions fill the reference's value (0, ∓inf converted to the output dtype).
 *
 * @example
 * ```ts
 * encodeReduce(runner, 'sum', xView, xBuffer, [0, 2], outBuffer);
 * ```
 */
export function encodeReduce(runner: KernelRunner, op: ReduceOp, x: View, xBuf: GPUBuffer, axes: readonly number[], out: GPUBuffer): void {
  const outDtype: DType = isArg(op) ? 'i32' : x.dtype;
  const outer = shapeSize(x.shape.filter((_, d) => !axes.includes(d)));
  const inner = shapeSize(axes.map((d) => x.shape[d]));
  if (outer === 0) return;
  if (inner === 0) {
    const value = op === 'sum' || isArg(op) ? 0 : op === 'max' ? -Infinity : Infinity;
    const bytes = outer * (outDtype === 'f16' ? 2 : 4);
    runner.run(fillKernel(Math.ceil(bytes / 4), fillPattern(outDtype, value)), [out]);
    return;
  }
  if (inner <= 16 || outer >= 4096) {
    runner.run(serialReduceKernel(op, x, axes, outDtype), [xBuf, out]);
    return;
  }
  const chunks = isArg(op) ? 1 : Math.max(1, Math.min(Math.ceil(inner / CHUNK), Math.floor(256 / outer)));
  if (chunks === 1) {
    runner.run(coopReduceKernel(op, x, axes, outDtype, 1), [xBuf, out]);
    return;
  }
  const partialDtype = computeType(x.dtype);
  const partial = runner.scratch(outer * chunks * 4);
  runner.run(coopReduceKernel(op, x, axes, partialDtype, chunks), [xBuf, partial]);
  const pv: View = { buffer: { byteLength: partial.size }, dtype: partialDtype, shape: [outer, chunks], strides: [chunks, 1], offset: 0 };
  const second = op === 'sum' || op === 'max' || op === 'min' ? op : 'sum';
  if (chunks <= 16) runner.run(serialReduceKernel(second, pv, [1], outDtype), [partial, out]);
  else runner.run(coopReduceKernel(second, pv, [1], outDtype, 1), [partial, out]);
  runner.recycle(partial);
}
