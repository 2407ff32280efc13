import type { Backend } from '../backend-interface.js';
import { CpuBuffer } from '../backends/cpu/cpu-buffer.js';
import { CpuBackend, createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { offsetsFor } from '../backends/cpu/strided.js';
import { type DType, type TypedArray, roundToF16 } from '../dtype.js';
import { fromArray } from '../ops/creation.js';
import { scalarConstantBuffers } from '../ops/scalar-constants.js';
import { contiguousStrides, shapeSize } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';

/**
 * Host-side description of a test input: values (row-major), shape and dtype. Tests build these once
 * and materialise them on each backend, so every backend sees exactly the same numbers.
 *
 * @example
 * ```ts
 * const x: HostTensor = { values: new Float64Array([1, 2, 3, 4]), shape: [2, 2], dtype: 'f32' };
 * ```
 */
export interface HostTensor {
  readonly values: Float64Array;
  readonly shape: readonly number[];
  readonly dtype?: DType;
}

/**
 * A small deterministic generator (mulberry32) for test data, independent of the library's own
 * random number code so that tests do not check that code against itself.
 *
 * @example
 * ```ts
 * const next = testRandom(7); next(); // a number in [0, 1)
 * ```
 */
export function testRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random host values of a shape, uniform in [low, high) (default [-2, 2)), rounded to the dtype, so
 * that the reference computation sees the same numbers the backend holds. `avoid` keeps values at
 * least that far from zero (for kinks such as relu or abs, and for division).
 *
 * @example
 * ```ts
 * const x = rand([3, 17], { seed: 1, low: 0.1, high: 3 });
 * ```
 */
export function rand(
  shape: readonly number[],
  opts: { seed?: number; low?: number; high?: number; dtype?: DType; avoid?: number } = {},
): HostTensor {
  const next = testRandom(opts.seed ?? shapeSize(shape) * 31 + shape.length);
  const low = opts.low ?? -2;
  const high = opts.high ?? 2;
  const dtype = opts.dtype ?? 'f32';
  const n = shapeSize(shape);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = low + (high - low) * next();
    if (opts.avoid && Math.abs(v) < opts.avoid) v = v < 0 ? -opts.avoid - Math.abs(v) : opts.avoid + v;
    values[i] = roundTo(dtype, v);
  }
  return { values, shape, dtype };
}

/**
 * A host tensor from explicit values (rounded to the dtype).
 *
 * @example
 * ```ts
 * const ids = host([0, 2, 1], [3], 'i32');
 * ```
 */
export function host(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'f32'): HostTensor {
  return { values: Float64Array.from(values, (v) => roundTo(dtype, v)), shape, dtype };
}

/**
 * Integer host values in [0, high) (an index tensor).
 *
 * @example
 * ```ts
 * const ids = randInt([2, 5], 11, { seed: 3 });
 * ```
 */
export function randInt(shape: readonly number[], high: number, opts: { seed?: number; dtype?: DType } = {}): HostTensor {
  const next = testRandom(opts.seed ?? 17 + shapeSize(shape));
  const values = Float64Array.from({ length: shapeSize(shape) }, () => Math.floor(next() * high));
  return { values, shape, dtype: opts.dtype ?? 'i32' };
}

/** Rounds a number the way storing it in `dtype` does. @example `roundTo('f16', 0.1)` */
export function roundTo(dtype: DType, v: number): number {
  switch (dtype) {
    case 'f32':
      return Math.fround(v);
    case 'f16':
      return roundToF16(v);
    case 'bool':
      return v ? 1 : 0;
    case 'i32':
      return Math.trunc(v) | 0;
    default:
      return Math.trunc(v) >>> 0;
  }
}

/**
 * Uploads a host tensor to a backend.
 *
 * @example
 * ```ts
 * const x = toTensor(rand([4]), backend);
 * ```
 */
export function toTensor(h: HostTensor, backend: Backend, requiresGrad = false): Tensor {
  const dtype = h.dtype ?? 'f32';
  if (dtype === 'f32' && backend instanceof CpuBackend && backend.wide) {
    // fromArray goes through a Float32Array; a float64 backend takes the values unrounded
    const t = new Tensor(new Storage(backend, backend.upload(Float64Array.from(h.values) as unknown as TypedArray, 'f32')), h.shape, 'f32');
    return t.requireGrad(requiresGrad);
  }
  return fromArray(h.values, h.shape, { dtype, backend, requiresGrad });
}

/**
 * The elements of a tensor as float64, in row-major order. On the CPU backend the stored values are
 * read directly (full float64 on a `precision: 'f64'` backend); elsewhere through `data()`.
 *
 * @example
 * ```ts
 * const v = await readF64(y);
 * ```
 */
export async function readF64(t: Tensor): Promise<Float64Array> {
  return readCpuF64(t) ?? Float64Array.from(await t.data<TypedArray>());
}

/** Synchronous {@link readF64} for tensors on a CPU backend (null elsewhere). @example `readCpuF64(y)` */
export function readCpuF64(t: Tensor): Float64Array | null {
  const v = t.view('readF64');
  if (!(v.buffer instanceof CpuBuffer)) return null;
  const data = v.buffer.data;
  const offs = offsetsFor(v.shape, v.strides, v.offset);
  return Float64Array.from(offs, (o) => data[o]);
}

let f64: Backend | null = null;
let f32: Backend | null = null;

/** A shared CPU backend that keeps f32 tensors in float64 (the finite-difference oracle). @example `exactCpu()` */
export function exactCpu(): Backend {
  return (f64 ??= createCpuBackend({ precision: 'f64' }));
}

/** A shared float32 CPU backend: the reference other backends are compared with. @example `referenceCpu()` */
export function referenceCpu(): Backend {
  return (f32 ??= createCpuBackend());
}

/**
 * Tolerances of a numeric comparison: `|actual - expected| <= atol + rtol * |expected|`.
 *
 * @example
 * ```ts
 * const tol: Tolerance = { rtol: 1e-5, atol: 1e-6 };
 * ```
 */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/**
 * Asserts that two arrays are elementwise close (NaN matches NaN, infinities must match exactly),
 * with a message naming the worst mismatches by multi-index.
 *
 * @example
 * ```ts
 * expectClose(await readF64(y), [1, 2, 3], { rtol: 1e-6 }, 'exp on cpu', [3]);
 * ```
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance = {},
  label = 'values',
  shape?: readonly number[],
): void {
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 1e-6;
  if (actual.length !== expected.length) {
    throw new Error(`${label}: expected ${expected.length} values, got ${actual.length}`);
  }
  const bad: { i: number; a: number; e: number; err: number }[] = [];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (!(Number.isNaN(e) && Number.isNaN(a))) bad.push({ i, a, e, err: Infinity });
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) bad.push({ i, a, e, err: Infinity });
      continue;
    }
    const err = Math.abs(a - e);
    if (err > atol + rtol * Math.abs(e)) bad.push({ i, a, e, err });
  }
  if (bad.length === 0) return;
  bad.sort((x, y) => y.err - x.err);
  const strides = shape ? contiguousStrides(shape) : null;
  const where = (i: number): string => (strides ? `[${strides.map((s, k) => Math.floor(i / s) % shape![k]).join(', ')}]` : `#${i}`);
  const lines = bad.slice(0, 6).map((b) => `  at ${where(b.i)}: got ${b.a}, expected ${b.e} (error ${b.err.toExponential(2)})`);
  throw new Error(
    `${label}: ${bad.length} of ${actual.length} values differ beyond rtol ${rtol}, atol ${atol}${shape ? ` (shape [${shape.join(', ')}])` : ''}\n${lines.join('\n')}`,
  );
}

/**
 * Live buffers of a backend, not counting the shared scalar constants that ops create once and keep
 * (what leak checks compare before and after).
 *
 * @example
 * ```ts
 * const before = liveBuffers(backend); run(); expect(liveBuffers(backend)).toBe(before);
 * ```
 */
export function liveBuffers(backend: Backend): number {
  return backend.memory().liveBuffers - scalarConstantBuffers(backend);
}
