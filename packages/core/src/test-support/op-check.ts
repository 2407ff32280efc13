import type { Backend } from '../backend-interface.js';
import { type DType, isFloat } from '../dtype.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { type HostTensor, type Tolerance, expectClose, readF64, referenceCpu, roundTo, toTensor, liveBuffers } from './numeric.js';

/**
 * A function of tensors under test (wrap ops that take options: `(l, t) => crossEntropy(l, t)`).
 *
 * @example
 * ```ts
 * const f: TensorFn = (a, b) => add(a, b);
 * ```
 */
export type TensorFn = (...xs: Tensor[]) => Tensor;

/** Calls a {@link TensorFn} with tensors. @internal @example `call(fn, [a, b])` */
export function call(fn: TensorFn, xs: readonly Tensor[]): Tensor {
  return fn(...xs);
}

/**
 * What {@link checkOp} asserts about an op's result.
 *
 * @example
 * ```ts
 * const spec: OpCheckOptions = { expected: ([x]) => x.map(Math.exp), shape: [3], rtol: 1e-6 };
 * ```
 */
export interface OpCheckOptions extends Tolerance {
  /**
   * The expected values, row-major: an array, or a float64 function of the inputs' values (as the
   * backend holds them, i.e. already rounded to their dtype). Compared with `rtol`/`atol`.
   */
  expected?: ArrayLike<number> | ((inputs: Float64Array[]) => ArrayLike<number>);
  /** The expected shape of the result. */
  shape?: readonly number[];
  /** The expected dtype of the result. */
  dtype?: DType;
  /** Tolerance against the float32 CPU reference (default: `rtol`/`atol` but at least 1e-5/1e-6; exact for integers). */
  reference?: Tolerance;
}

/**
 * Runs `fn` on `backend` over the given inputs and checks the result: its shape and dtype, its
 * values against `expected` (an independent float64 computation or known values), and, on any
 * backend other than the CPU, against the CPU reference backend. Also asserts that the backend holds
 * no more buffers afterwards than before (nothing leaked). Returns the result's values.
 *
 * @example
 * ```ts
 * await checkOp(backend, (x) => exp(x), [rand([127])], { expected: ([x]) => x.map(Math.exp) });
 * ```
 */
export async function checkOp(
  backend: Backend,
  fn: TensorFn,
  inputs: readonly HostTensor[],
  opts: OpCheckOptions = {},
): Promise<Float64Array> {
  const label = `${fn.name || 'op'} on ${backend.name}`;
  const got = await runOn(backend, fn, inputs, label);
  if (opts.shape) expectShape(got.shape, opts.shape, label);
  if (opts.dtype && got.dtype !== opts.dtype) throw new Error(`${label}: expected dtype ${opts.dtype}, got ${got.dtype}`);
  if (opts.expected !== undefined) {
    const raw =
      typeof opts.expected === 'function' ? opts.expected(inputs.map((h) => Float64Array.from(h.values))) : opts.expected;
    const expected = Float64Array.from(raw, (v) => roundTo(got.dtype, v));
    const exact = !isFloat(got.dtype);
    expectClose(got.values, expected, exact ? { rtol: 0, atol: 0 } : opts, `${label} vs expected`, got.shape);
  }
  if (backend.name !== 'cpu') {
    const ref = await runOn(referenceCpu(), fn, inputs, `${label} (cpu reference)`);
    expectShape(got.shape, ref.shape, `${label} vs cpu`);
    const own = { rtol: Math.max(opts.rtol ?? 0, 1e-5), atol: Math.max(opts.atol ?? 0, 1e-6) };
    const tol = isFloat(ref.dtype) ? (opts.reference ?? own) : { rtol: 0, atol: 0 };
    expectClose(got.values, ref.values, tol, `${label} vs cpu reference`, got.shape);
  }
  return got.values;
}

/**
 * Runs `fn` on fresh copies of `inputs` on `backend` inside a scope and reads the result back,
 * asserting that no buffer outlives the call.
 *
 * @example
 * ```ts
 * const { values, shape } = await runOn(cpu, (a, b) => add(a, b), [x, y]);
 * ```
 */
export async function runOn(
  backend: Backend,
  fn: TensorFn,
  inputs: readonly HostTensor[],
  label = 'op',
): Promise<{ values: Float64Array; shape: readonly number[]; dtype: DType }> {
  backend.flush();
  const before = liveBuffers(backend);
  const out = tidy(() => call(fn, inputs.map((h) => toTensor(h, backend))));
  let values: Float64Array;
  try {
    values = await readF64(out);
  } finally {
    out.dispose();
  }
  const after = liveBuffers(backend);
  if (after !== before) throw new Error(`${label}: ${after - before} buffer(s) leaked (live buffers ${before} before, ${after} after)`);
  return { values, shape: out.shape, dtype: out.dtype };
}

/** Asserts a shape. @example `expectShape(y.shape, [2, 3], 'matmul')` */
export function expectShape(actual: readonly number[], expected: readonly number[], label = 'shape'): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new Error(`${label}: expected shape [${expected.join(', ')}], got [${actual.join(', ')}]`);
  }
}
