import type { Backend } from '../backend-interface.js';
import { isFloat } from '../dtype.js';
import { fromArray } from '../ops/creation.js';
import { tidy } from '../scope.js';
import { type TensorFn, call } from './op-check.js';
import { type HostTensor, type Tolerance, exactCpu, expectClose, rand, readCpuF64, readF64, toTensor, liveBuffers } from './numeric.js';

/**
 * Options of {@link checkGradients}.
 *
 * @example
 * ```ts
 * const opts: GradCheckOptions = { eps: 1e-5, tol: { rtol: 1e-2, atol: 1e-3 } };
 * ```
 */
export interface GradCheckOptions {
  /** Finite-difference step, applied in float64 (default 1e-6). */
  eps?: number;
  /** Analytic gradients computed in float64 vs the finite differences (default rtol 1e-5, atol 1e-7). */
  exact?: Tolerance;
  /** Analytic gradients on the backend under test (float32) vs the finite differences (default rtol 2e-3, atol 2e-4). */
  tol?: Tolerance;
  /** Indices of float inputs that are treated as constants (no gradient checked). */
  constant?: readonly number[];
  /** Seed of the random cotangent the output is contracted with. */
  seed?: number;
}

/**
 * Checks the gradients of `fn` with respect to each floating-point input against central finite
 * differences computed in float64 on the CPU backend (`precision: 'f64'`):
 *
 * 1. the scalar objective is `sum(fn(...inputs) * w)` for a fixed random cotangent `w`, so every
 *    output element matters (the check covers non-scalar outputs and the seed-gradient path);
 * 2. the analytic gradients from `backward(w)` on the float64 CPU backend must match the finite
 *    differences tightly (`exact`): this checks the gradient rules themselves;
 * 3. the analytic gradients on `backend` (float32 storage) must match them within `tol`: this checks
 *    that backend's kernels in the backward pass;
 * 4. no buffer outlives the check on either backend (graphs and gradients are freed).
 *
 * @example
 * ```ts
 * await checkGradients(backend, (a, b) => a.mul(b).sum(-1), [rand([3, 17]), rand([17])]);
 * ```
 */
export async function checkGradients(
  backend: Backend,
  fn: TensorFn,
  inputs: readonly HostTensor[],
  opts: GradCheckOptions = {},
): Promise<void> {
  const eps = opts.eps ?? 1e-6;
  const exact = exactCpu();
  const wrt = inputs.map((h, i) => isFloat(h.dtype ?? 'f32') && !opts.constant?.includes(i));
  if (!wrt.some(Boolean)) throw new Error('checkGradients: no floating-point input to differentiate');
  const label = fn.name || 'fn';

  const probe = tidy(() => {
    const out = call(fn, inputs.map((h) => toTensor(h, exact)));
    return { shape: [...out.shape] };
  });
  const w = rand(probe.shape, { seed: opts.seed ?? 99, low: -1, high: 1 });

  const objective = (values: readonly HostTensor[]): number =>
    tidy(() => {
      const out = call(fn, values.map((h) => toTensor(h, exact)));
      const v = readCpuF64(out)!;
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i] * w.values[i];
      return s;
    });

  const numeric: (Float64Array | null)[] = inputs.map((h, k) => {
    if (!wrt[k]) return null;
    const g = new Float64Array(h.values.length);
    const vals = Float64Array.from(h.values);
    const current = inputs.map((x, j) => (j === k ? { ...x, values: vals } : x));
    for (let i = 0; i < vals.length; i++) {
      const x0 = vals[i];
      vals[i] = x0 + eps;
      const up = objective(current);
      vals[i] = x0 - eps;
      const down = objective(current);
      vals[i] = x0;
      g[i] = (up - down) / (2 * eps);
    }
    return g;
  });

  const analytic = async (b: Backend): Promise<(Float64Array | null)[]> => {
    b.flush();
    const before = liveBuffers(b);
    const grads = tidy(() => {
      const xs = inputs.map((h, k) => toTensor(h, b, wrt[k]));
      const out = call(fn, xs);
      out.backward(fromArray(w.values, w.shape, { backend: b, dtype: out.dtype }));
      return xs.map((x, k) => (wrt[k] && x.grad ? x.grad.detach() : null));
    });
    const values: (Float64Array | null)[] = [];
    for (const [k, g] of grads.entries()) {
      values.push(g ? await readF64(g) : wrt[k] ? new Float64Array(inputs[k].values.length) : null);
      g?.dispose();
    }
    const after = liveBuffers(b);
    if (after !== before) {
      throw new Error(`${label} backward on ${b.name}: ${after - before} buffer(s) leaked (live buffers ${before} before, ${after} after)`);
    }
    return values;
  };

  const compare = (got: (Float64Array | null)[], tol: Tolerance, where: string): void => {
    numeric.forEach((num, k) => {
      if (!num) return;
      expectClose(got[k]!, num, tol, `${label}: gradient of input ${k} ${where} vs finite differences`, inputs[k].shape);
    });
  };

  compare(await analytic(exact), opts.exact ?? { rtol: 1e-5, atol: 1e-7 }, 'in float64 on cpu');
  compare(await analytic(backend), opts.tol ?? { rtol: 2e-3, atol: 2e-4 }, `on ${backend.name}`);
}
