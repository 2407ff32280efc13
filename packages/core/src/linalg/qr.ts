import { checkMatrix } from './matrix-args.js';

/** The factors of a reduced QR decomposition, as returned by {@link qr}. */
export interface QrResult {
  /** `rows × k` with orthonormal columns, row-major. */
  q: Float64Array;
  /** `k × cols`, upper triangular (upper trapezoidal when `cols > rows`), row-major. */
  r: Float64Array;
  /** `min(rows, cols)`. */
  k: number;
}

/**
 * Reduced QR decomposition of a `rows × cols` row-major matrix in float64, the factors of
 * `torch.linalg.qr(A)` (mode `'reduced'`): `A = q · r` with `k = min(rows, cols)`.
 *
 * Computed with Householder reflections in the LAPACK convention (`geqrf` then `orgqr`), so the
 * factors themselves, not only their product, agree with PyTorch: step `j` maps the column below
 * the diagonal onto `beta · e_j` with `beta = -sign(alpha) · ‖x‖`, where `alpha` is the diagonal
 * entry before the step (a zero `alpha` counts as positive). Diagonal entries of `r` may therefore be
 * negative. A column already zero below its diagonal is left alone (no reflection), so its
 * diagonal entry keeps its sign.
 *
 * @example
 * ```ts
 * const { q, r } = qr(new Float64Array([3, 1, 4, 2]), 2, 2);
 * // r[0] === -5 (alpha = 3 is positive, so beta = -5), and q · r reproduces the input
 * ```
 */
export function qr(a: Float64Array, rows: number, cols: number): QrResult {
  checkMatrix('qr', a, rows, cols);
  const k = Math.min(rows, cols);
  const w = Float64Array.from(a); // reduced in place; reflector tails are kept below the diagonal
  const tau = new Float64Array(k);

  for (let j = 0; j < k; j++) {
    const alpha = w[j * cols + j];
    const tailNorm = scaledNorm(w, (j + 1) * cols + j, rows - j - 1, cols);
    if (tailNorm === 0) continue; // nothing to zero out: the reflector is the identity (tau = 0)
    const beta = (alpha >= 0 ? -1 : 1) * Math.hypot(alpha, tailNorm);
    tau[j] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < rows; i++) w[i * cols + j] *= scale;
    w[j * cols + j] = beta;
    reflect(w, cols, j, j + 1, tau[j], w, cols);
  }

  const r = new Float64Array(k * cols);
  for (let i = 0; i < k; i++) {
    for (let c = i; c < cols; c++) r[i * cols + c] = w[i * cols + c];
  }

  // q = H_0 · H_1 ⋯ H_{k-1} applied to the first k columns of the identity, built from the last
  // reflector backwards; column c < j is still e_c when H_j comes, and H_j leaves it alone.
  const q = new Float64Array(rows * k);
  for (let i = 0; i < k; i++) q[i * k + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    if (tau[j] === 0) continue;
    reflect(q, k, j, j, tau[j], w, cols);
  }
  return { q, r, k };
}

/**
 * Applies the reflector `I - tau · v · vᵀ` to columns `from…` of `m`, rows `j…`: `v` is 1 at row `j`
 * and below it the entries of column `j` of `v`. Works a row at a time, so memory is read in order.
 */
function reflect(
  m: Float64Array,
  mCols: number,
  j: number,
  from: number,
  tau: number,
  v: Float64Array,
  vCols: number,
): void {
  const rows = m.length / mCols;
  const dots = m.slice(j * mCols + from, (j + 1) * mCols); // vᵀ · m, one entry per column
  for (let i = j + 1; i < rows; i++) {
    const vi = v[i * vCols + j];
    for (let c = from; c < mCols; c++) dots[c - from] += vi * m[i * mCols + c];
  }
  for (let i = j; i < rows; i++) {
    const f = tau * (i === j ? 1 : v[i * vCols + j]);
    for (let c = from; c < mCols; c++) m[i * mCols + c] -= f * dots[c - from];
  }
}

/** Euclidean norm of `count` entries of `x` starting at `offset`, `stride` apart, safe from overflow. */
function scaledNorm(x: Float64Array, offset: number, count: number, stride: number): number {
  let big = 0;
  for (let i = 0; i < count; i++) big = Math.max(big, Math.abs(x[offset + i * stride]));
  if (big === 0) return 0;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const t = x[offset + i * stride] / big;
    sum += t * t;
  }
  return big * Math.sqrt(sum);
}
