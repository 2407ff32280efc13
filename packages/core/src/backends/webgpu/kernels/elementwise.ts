import type { BinaryOp, CompareOp, UnaryOp, View } from '../../../backend-interface.js';
import { type DType, computeDType, f32ToBF16Bits, f32ToF16Bits, isFloat, resultDType } from '../../../dtype.js';
import { BINARY, COMPARE, WGSL_BINARY_HELPERS } from '../../../kernels/binary.js';
import { WGSL_HASH, dropoutThreshold } from '../../../kernels/random-hash.js';
import { UNARY, WGSL_UNARY_HELPERS } from '../../../kernels/unary.js';
import { contiguousStrides, shapeSize } from '../../../shape.js';
import { vec4CopyKernel, vec4FillKernel } from './elementwise-vec4.js';
import { type Strided, planWalk, walkOffsets, walkWordCount } from './strided-walk.js';
import { pack16Kernel } from './pack16.js';
import { type Kernel, binding, computeType, f32Word, flatIndex, grid1d, header, read, store, word } from './wgsl.js';

const WG = 64;

/** A parameter a map kernel reads into a local `let`. @example `const s: MapScalar = { name: 'seed', type: 'u32', word: 7 };` */
export interface MapScalar {
  readonly name: string;
  readonly type: 'u32' | 'i32' | 'f32';
  /** The u32 bit pattern. */
  readonly word: number;
}

/**
 * One elementwise kernel: load each input (strided), bind it to a name, evaluate `expr` in the
 * output's compute type, store. Everything but the values goes into the cache key.
 *
 * @example
 * ```ts
 * mapKernel({ name: 'neg', inputs: [x], vars: ['x'], outDtype: 'f32', expr: '-x' });
 * ```
 */
export interface MapSpec {
  /** Distinguishes kernels whose expressions coincide but whose helpers differ. */
  readonly name: string;
  /** Input views, all of logical shape `shape` (default: the first input's shape). */
  readonly inputs: readonly View[];
  readonly vars: readonly string[];
  readonly outDtype: DType;
  /** WGSL expression over `vars`, scalars and the flat index `i`, in the output's compute type. */
  readonly expr: string;
  readonly helpers?: string;
  readonly scalars?: readonly MapScalar[];
  /** Logical shape (needed when there are no inputs). */
  readonly shape?: readonly number[];
  /** Copy storage values as they are (input and output of one dtype, `expr` ignored). */
  readonly raw?: boolean;
  /** Write into a strided window of the output instead of contiguously. */
  readonly outView?: Strided;
}

/**
 * Builds the kernel for a {@link MapSpec}; the output buffer is the last binding.
 *
 * @example
 * ```ts
 * const k = mapKernel({ name: 'copy', inputs: [v], vars: ['x'], outDtype: v.dtype, expr: 'x', raw: true });
 * ```
 */
export function mapKernel(spec: MapSpec): Kernel {
  if (spec.outDtype === 'bf16') throw new Error(`${spec.name}: a map kernel cannot write bf16 (use pack16Kernel)`);
  const shape = spec.shape ?? spec.inputs[0].shape;
  const n = shapeSize(shape);
  const outView: Strided = spec.outView ?? { strides: contiguousStrides(shape), offset: 0 };
  const walk = planWalk(shape, [...spec.inputs, outView]);
  const scalars = spec.scalars ?? [];
  const words = [n, ...walk.words, ...scalars.map((s) => s.word)];
  const inDtypes = spec.inputs.map((v) => v.dtype);
  const sig = {
    n: spec.name,
    e: spec.expr,
    i: inDtypes,
    v: spec.vars,
    o: spec.outDtype,
    w: walk.sig,
    s: scalars.map((s) => `${s.name}:${s.type}`),
    r: !!spec.raw,
  };
  const wide = fourWide(spec, n, walk.sig.kinds);
  if (wide) return mapKernel4(spec, n, sig, wide, words);
  const key = `map:${JSON.stringify(sig)}`;
  const source = (): string => {
    const names = spec.inputs.map((_, j) => `o${j}`);
    let src = header([...inDtypes, spec.outDtype], words.length) + (spec.helpers ?? '');
    spec.inputs.forEach((v, j) => (src += binding(j + 1, `in${j}`, v.dtype, 'read')));
    src += binding(spec.inputs.length + 1, 'out', spec.outDtype, 'write');
    src += flatIndex(WG, word(0));
    src += walkOffsets(walk.sig, 1, 'i', [...names, 'oo'], 'w');
    const sBase = 1 + walkWordCount(walk.sig);
    scalars.forEach((s, k) => {
      const w = word(sBase + k);
      src += `  let ${s.name} = ${s.type === 'u32' ? w : `bitcast<${s.type}>(${w})`};\n`;
    });
    if (spec.raw) {
      src += `  out[oo] = in0[o0];\n}\n`;
      return src;
    }
    spec.inputs.forEach((v, j) => (src += `  let ${spec.vars[j]} = ${read(v.dtype, `in${j}`, names[j])};\n`));
    src += `  out[oo] = ${store(spec.outDtype, spec.expr)};\n}\n`;
    return src;
  };
  return { key, source, access: [...spec.inputs.map(() => 'read' as const), 'write'], words, grid: grid1d(n, WG) };
}

/**
 * Elements per invocation step of the four-wide form of a map kernel, or 0 where it does not apply:
 * f32 in and out, every operand contiguous from a multiple of four, a size that is a multiple of four
 * and large enough to matter. (Four-wide loads and stores run about 3x faster on lavapipe.)
 */
function fourWide(spec: MapSpec, n: number, kinds: readonly string[]): number {
  if (spec.raw || spec.outView || spec.outDtype !== 'f32' || n % 4 !== 0 || n < 4096) return 0;
  if (spec.inputs.some((v) => v.dtype !== 'f32' || v.offset % 4 !== 0) || kinds.some((k) => k !== 'c')) return 0;
  return n / 4 >= 4 * WG * 64 ? 4 : 1;
}

/**
 * The four-wide map kernel: each invocation step loads a `vec4<f32>` of every input, evaluates the
 * expression on each of the four lanes (with `i` the element's flat index, as in the scalar form)
 * and stores one `vec4<f32>`. Same words as the scalar form (n, the operands' offsets, scalars).
 * Its own names start with `l` plus a letter (`lq`, `lc`, …) so as not to shadow the expression's.
 */
function mapKernel4(spec: MapSpec, n: number, sig: object, per: number, words: number[]): Kernel {
  const key = `map4:${JSON.stringify({ ...sig, per })}`;
  const nv = spec.inputs.length + 1;
  const source = (): string => {
    let src = header(['f32'], words.length) + (spec.helpers ?? '');
    spec.inputs.forEach((_, j) => (src += `@group(0) @binding(${j + 1}) var<storage, read> in${j}: array<vec4<f32>>;\n`));
    src += `@group(0) @binding(${nv}) var<storage, read_write> out: array<vec4<f32>>;\n`;
    src += `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lt = gid.x + gid.y * (nwg.x * ${WG}u);
  let ltotal = nwg.x * nwg.y * ${WG}u;
`;
    (spec.scalars ?? []).forEach((s, k) => {
      const w = word(1 + nv + k);
      src += `  let ${s.name} = ${s.type === 'u32' ? w : `bitcast<${s.type}>(${w})`};\n`;
    });
    src += `  for (var le = 0u; le < ${per}u; le++) {
    let lq = lt + le * ltotal;
    if (lq >= ${word(0)} / 4u) { return; }
`;
    spec.inputs.forEach((_, j) => (src += `    let lw${j} = in${j}[${word(1 + j)} / 4u + lq];\n`));
    src += `    var lr = vec4<f32>();
    for (var lc = 0u; lc < 4u; lc++) {
      let i = lq * 4u + lc;
`;
    spec.inputs.forEach((_, j) => (src += `      let ${spec.vars[j]} = lw${j}[lc];\n`));
    src += `      lr[lc] = ${spec.expr};
    }
    out[${word(nv)} / 4u + lq] = lr;
  }
}
`;
    return src;
  };
  return { key, source, access: [...spec.inputs.map(() => 'read' as const), 'write'], words, grid: grid1d(Math.ceil(n / 4 / per), WG) };
}

/**
 * A float function of one input from the shared unary table (computed in f32).
 *
 * @example
 * ```ts
 * unaryKernel('exp', x);
 * ```
 */
export function unaryKernel(op: UnaryOp, x: View): Kernel {
  return mapKernel({ name: 'unary', inputs: [x], vars: ['x'], outDtype: computeDType(x.dtype), expr: UNARY[op].wgsl, helpers: WGSL_UNARY_HELPERS });
}

/**
 * Arithmetic from the shared binary table; float maximum/minimum propagate NaN like the reference.
 *
 * @example
 * ```ts
 * binaryKernel('add', a, b, [2, 3]);
 * ```
 */
export function binaryKernel(op: BinaryOp, a: View, b: View, shape: readonly number[]): Kernel {
  const float = isFloat(a.dtype);
  let expr = float ? BINARY[op].wgsl : BINARY[op].int!.wgsl;
  if (float && (op === 'maximum' || op === 'minimum')) expr = `select(${expr}, a + b, peft_isnan(a) || peft_isnan(b))`;
  return mapKernel({ name: 'binary', inputs: [a, b], vars: ['a', 'b'], outDtype: resultDType([a.dtype, b.dtype]) ?? a.dtype, expr, helpers: float ? WGSL_BINARY_HELPERS : '', shape });
}

/**
 * A comparison from the shared table, producing bool (0/1 words). With a NaN operand the result is
 * what the reference gives (true for `ne` only), decided by bits: drivers may fold float compares
 * as if NaN could not occur.
 *
 * @example
 * ```ts
 * compareKernel('lt', a, b, [4]);
 * ```
 */
export function compareKernel(op: CompareOp, a: View, b: View, shape: readonly number[]): Kernel {
  let cond = COMPARE[op].wgsl;
  if (isFloat(a.dtype)) {
    const nan = 'peft_isnan(a) || peft_isnan(b)';
    cond = COMPARE[op].cpu(NaN, 0) ? `(${nan}) || (${cond})` : `!(${nan}) && (${cond})`;
  }
  return mapKernel({ name: 'compare', inputs: [a, b], vars: ['a', 'b'], outDtype: 'bool', expr: `select(0u, 1u, ${cond})`, shape });
}

/**
 * `cond ? a : b` elementwise.
 *
 * @example
 * ```ts
 * whereKernel(mask, x, y, [3]);
 * ```
 */
export function whereKernel(cond: View, a: View, b: View, shape: readonly number[]): Kernel {
  const zero = computeType(cond.dtype) === 'f32' ? '0.0' : `${computeType(cond.dtype)}(0)`;
  return mapKernel({ name: 'where', inputs: [cond, a, b], vars: ['c', 'a', 'b'], outDtype: resultDType([a.dtype, b.dtype]) ?? a.dtype, expr: `select(b, a, c != ${zero})`, shape });
}

/**
 * WGSL converting a value of compute type `from` to `to` with the reference's rules: floats truncate
 * toward zero and saturate (NaN becomes 0), i32/u32 reinterpret their bits, anything non-zero (NaN
 * included) is true.
 *
 * @example
 * ```ts
 * castExpr('f32', 'i32', 'x'); // 'peft_f2i(x)'
 * ```
 */
export function castExpr(from: DType, to: DType, x: string): string {
  const f = computeType(from);
  if (to === 'bool') {
    if (f === 'f32') return `select(0u, 1u, (bitcast<u32>(${x}) & 0x7fffffffu) != 0u)`;
    return `select(0u, 1u, ${x} != ${f}(0))`;
  }
  const t = computeType(to);
  if (f === t) return x;
  if (t === 'f32') return `f32(${x})`;
  if (f === 'f32') return t === 'i32' ? `peft_f2i(${x})` : `peft_f2u(${x})`;
  return `bitcast<${t}>(${x})`;
}

/**
 * A contiguous copy of a view converted to `dtype` (a plain storage copy when the dtype is unchanged).
 * With `outView`, writes into a strided window of a larger output (concat, pad).
 *
 * @example
 * ```ts
 * copyKernel(x, 'i32');
 * ```
 */
export function copyKernel(x: View, dtype: DType, outView?: Strided): Kernel {
  if (dtype === 'bf16') {
    if (outView) throw new Error('copy: a bf16 copy writes a contiguous output only');
    return pack16Kernel(x);
  }
  // same storage type and unchanged values: a plain copy (bool words are already 0/1)
  const raw = x.dtype === dtype || (x.dtype === 'bool' && dtype === 'u32');
  const wide = raw && !outView ? vec4CopyKernel(x) : null;
  if (wide) return wide;
  return mapKernel({ name: 'copy', inputs: [x], vars: ['x'], outDtype: dtype, expr: castExpr(x.dtype, dtype, 'x'), raw, outView });
}

/**
 * Fills `words` u32 words with one bit pattern (every dtype's fill reduces to this).
 *
 * @example
 * ```ts
 * fillKernel(1024, 0x3f800000); // 1024 f32 ones
 * ```
 */
export function fillKernel(words: number, pattern: number): Kernel {
  const wide = vec4FillKernel(words, pattern);
  if (wide) return wide;
  return mapKernel({ name: 'fill', inputs: [], vars: [], outDtype: 'u32', expr: 'v', shape: [words], scalars: [{ name: 'v', type: 'u32', word: pattern >>> 0 }] });
}

/**
 * Inverted dropout with the shared counter hash: keeps element i when `(hash32(seed, i) >> 8) >=
 * threshold` and scales it by `f32(1 / (1 - p))`, bit for bit like the CPU reference. `base` is the
 * row-major index of the first element when `x` is one piece of a larger tensor.
 *
 * @example
 * ```ts
 * dropoutKernel(x, 0.1, 1234);
 * ```
 */
export function dropoutKernel(x: View, p: number, seed: number, base = 0): Kernel {
  const scalars: MapScalar[] = [
    { name: 'seed', type: 'u32', word: seed >>> 0 },
    { name: 'threshold', type: 'u32', word: dropoutThreshold(p) },
    { name: 'scale', type: 'f32', word: f32Word(1 / (1 - p)) },
  ];
  if (base !== 0) scalars.push({ name: 'base', type: 'u32', word: base >>> 0 });
  const expr = `select(0.0, x * scale, (hash32(seed, i${base !== 0 ? ' + base' : ''}) >> 8u) >= threshold)`;
  return mapKernel({ name: 'dropout', inputs: [x], vars: ['x'], outDtype: computeDType(x.dtype), expr, helpers: WGSL_HASH, scalars });
}

/**
 * The u32 word that, repeated, fills a buffer of `dtype` with `value` converted like the CPU
 * reference converts it (f16 and bf16 round to nearest even and pack two halves per word).
 *
 * @example
 * ```ts
 * fillPattern('f16', 1); // 0x3c003c00
 * ```
 */
export function fillPattern(dtype: DType, value: number): number {
  switch (dtype) {
    case 'f32':
      return f32Word(value);
    case 'f16': {
      const h = f32ToF16Bits(value);
      return (h | (h << 16)) >>> 0;
    }
    case 'bf16': {
      const h = f32ToBF16Bits(value);
      return (h | (h << 16)) >>> 0;
    }
    case 'i32':
      return Int32Array.of(value)[0] >>> 0;
    case 'u32':
      return Uint32Array.of(value)[0];
    case 'bool':
      return value ? 1 : 0;
  }
}
