import type { DType } from '../../../dtype.js';

/**
 * Everything a generated compute kernel needs to be dispatched: a cache key that identifies its WGSL
 * source, the source builder (only called on a cache miss), the storage bindings it declares (binding
 * 0 is always the uniform parameter block), the parameter words and the workgroup grid.
 *
 * @example
 * ```ts
 * const k: Kernel = { key: 'fill', source: () => src, access: ['write'], words: [n, bits], grid: [1, 1, 1] };
 * ```
 */
export interface Kernel {
  /** Identifies the source: equal keys must give equal sources. */
  readonly key: string;
  /** Builds the WGSL source (a pure function of the key). */
  readonly source: () => string;
  /** Access of storage bindings 1..n, in the order buffers are passed. */
  readonly access: readonly ('read' | 'write')[];
  /** Parameter words (u32 bit patterns) for the uniform block at binding 0. */
  readonly words: readonly number[];
  /** Workgroups to dispatch. */
  readonly grid: readonly [number, number, number];
}

/** Maximum workgroups per grid dimension that every WebGPU device accepts. */
export const MAX_GRID = 65535;

/**
 * The WGSL type an element is stored as: bool takes a u32 word, f16 needs `enable f16`, bf16 is read
 * from u32 words holding two elements each (use {@link read}; kernels never store bf16 elements one by
 * one, since two invocations would write one word).
 *
 * @example
 * ```ts
 * storageType('bool'); // 'u32'
 * ```
 */
export function storageType(dtype: DType): 'f32' | 'f16' | 'i32' | 'u32' {
  if (dtype === 'bool' || dtype === 'bf16') return 'u32';
  return dtype;
}

/**
 * The WGSL type kernels compute in: f16 values are widened to f32.
 *
 * @example
 * ```ts
 * computeType('bf16'); // 'f32'
 * ```
 */
export function computeType(dtype: DType): 'f32' | 'i32' | 'u32' {
  if (dtype === 'f16' || dtype === 'bf16') return 'f32';
  if (dtype === 'bool') return 'u32';
  return dtype;
}

/**
 * Wraps a storage load so it yields the compute type.
 *
 * @example
 * ```ts
 * load('f16', 'x[i]'); // 'f32(x[i])'
 * ```
 */
export function load(dtype: DType, expr: string): string {
  if (dtype === 'bf16') throw new Error('load: bf16 elements are read with read(dtype, array, index)');
  return dtype === 'f16' ? `f32(${expr})` : expr;
}

/**
 * Reads element `index` of storage array `array` holding `dtype`, in the compute type: bf16 is
 * widened from its half of a u32 word by a shift, f16 converted, the rest read as stored.
 *
 * @example
 * ```ts
 * read('bf16', 'W', 'i'); // 'peft_bf16(W[(i) >> 1u], i)'
 * read('f32', 'x', 'i'); // 'x[i]'
 * ```
 */
export function read(dtype: DType, array: string, index: string): string {
  if (dtype === 'bf16') return `peft_bf16(${array}[(${index}) >> 1u], ${index})`;
  return load(dtype, `${array}[${index}]`);
}

/**
 * Wraps a compute-type value so it can be stored as `dtype`.
 *
 * @example
 * ```ts
 * store('f16', 'acc'); // 'peft_to_f16(acc)'
 * ```
 */
export function store(dtype: DType, expr: string): string {
  if (dtype === 'bf16') throw new Error('store: bf16 outputs are written two elements per word (pack16Kernel)');
  return dtype === 'f16' ? `peft_to_f16(${expr})` : expr;
}

/**
 * WGSL that tests a float for NaN by its bits (comparisons such as `x != x` may be optimised away
 * by shader compilers), float-to-integer conversions that truncate and saturate to the full integer
 * range with NaN as 0 (WGSL's own stop 128 short of 2^31 and leave NaN undefined), and, with f16,
 * the f32-to-f16 store that rounds overflow to infinity like IEEE does.
 *
 * @example
 * ```ts
 * const src = header(['f16']) + WGSL_FLOAT_HELPERS + body;
 * ```
 */
export const WGSL_FLOAT_HELPERS = /* wgsl */ `
fn peft_isnan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}
fn peft_f2i(x: f32) -> i32 {
  if (peft_isnan(x)) { return 0; }
  if (x >= 2147483648.0) { return 2147483647; }
  return i32(x);
}
fn peft_f2u(x: f32) -> u32 {
  if (peft_isnan(x)) { return 0u; }
  if (x >= 4294967296.0) { return 4294967295u; }
  return u32(x);
}
`;

const WGSL_F16_HELPERS = /* wgsl */ `
fn peft_to_f16(x: f32) -> f16 {
  let m = bitcast<u32>(x) & 0x7fffffffu;
  let s = (bitcast<u32>(x) >> 16u) & 0x8000u;
  // NaN/inf bit patterns must be built at run time: as constants they fail to compile
  let nan_bits = 0x7e00u;
  if (m > 0x7f800000u) { return bitcast<vec2<f16>>(nan_bits).x; }
  if (m >= 0x477ff000u) { return bitcast<vec2<f16>>(s | 0x7c00u).x; }
  return f16(x);
}
`;

const WGSL_BF16_HELPERS = /* wgsl */ `
fn peft_bf16(w: u32, i: u32) -> f32 {
  return bitcast<f32>(select(w & 0xffff0000u, w << 16u, (i & 1u) == 0u));
}
fn peft_to_bf16(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return select(b >> 16u, (b >> 16u) | 0x40u, ((b >> 16u) & 0x7fu) == 0u); }
  return (b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u;
}
`;

/**
 * The start of every kernel: `enable f16;` when an f16 buffer is involved, shared helpers (the bf16
 * widening and rounding ones when a bf16 buffer is), and the uniform parameter block of `nWords` u32
 * words at binding 0.
 *
 * @example
 * ```ts
 * header(['f32', 'f16'], 3);
 * ```
 */
export function header(dtypes: readonly DType[], nWords: number): string {
  const f16 = dtypes.includes('f16');
  const vecs = Math.max(1, Math.ceil(nWords / 4));
  const bf16 = dtypes.includes('bf16');
  return `${f16 ? 'enable f16;\n' : ''}${WGSL_FLOAT_HELPERS}${f16 ? WGSL_F16_HELPERS : ''}${bf16 ? WGSL_BF16_HELPERS : ''}
struct Params { w: array<vec4<u32>, ${vecs}> }
@group(0) @binding(0) var<uniform> P: Params;
`;
}

/**
 * The WGSL expression reading parameter word `k` (constant-indexed, so no dynamic uniform indexing).
 *
 * @example
 * ```ts
 * word(5); // 'P.w[1].y'
 * ```
 */
export function word(k: number): string {
  return `P.w[${k >> 2}].${'xyzw'[k & 3]}`;
}

/**
 * Declares storage binding `binding` named `name` holding `dtype` elements.
 *
 * @example
 * ```ts
 * binding(1, 'x', 'f32', 'read'); // '@group(0) @binding(1) var<storage, read> x: array<f32>;'
 * ```
 */
export function binding(index: number, name: string, dtype: DType | 'u32', access: 'read' | 'write'): string {
  const mode = access === 'read' ? 'read' : 'read_write';
  return `@group(0) @binding(${index}) var<storage, ${mode}> ${name}: array<${storageType(dtype)}>;\n`;
}

/**
 * A grid of workgroups covering `threads` invocations of a `size`-wide workgroup; beyond 65535
 * workgroups it becomes two-dimensional (use {@link flatIndex} in the kernel).
 *
 * @example
 * ```ts
 * grid1d(1 << 24, 256); // [65535, 2, 1] style grid
 * ```
 */
export function grid1d(threads: number, size: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(threads / size));
  if (groups <= MAX_GRID) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_GRID);
  return [Math.ceil(groups / y), y, 1];
}

/**
 * The entry point of a one-dimensional kernel of workgroup size `size`: defines `i`, the flat
 * invocation index over a {@link grid1d} grid, and returns early past `n`.
 *
 * @example
 * ```ts
 * const src = `${flatIndex(256, word(0))} out[i] = 0u; }`;
 * ```
 */
export function flatIndex(size: number, n: string): string {
  return `@compute @workgroup_size(${size})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * (nwg.x * ${size}u);
  if (i >= ${n}) { return; }
`;
}

/**
 * WGSL reading an integer index as u32: negative i32 values become huge, so one `< size` test bounds
 * both ends.
 *
 * @example
 * ```ts
 * indexLoad('i32', 'idx[j]'); // 'bitcast<u32>(idx[j])'
 * ```
 */
export function indexLoad(dtype: DType, expr: string): string {
  return dtype === 'i32' ? `bitcast<u32>(${expr})` : expr;
}

/**
 * A u32 word holding the bits of a float (for float parameters).
 *
 * @example
 * ```ts
 * f32Word(1); // 0x3f800000
 * ```
 */
export function f32Word(value: number): number {
  F32[0] = value;
  return U32[0];
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
