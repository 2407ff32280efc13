import { checkMatrix } from './matrix-args.js';

/** The factors of a thin singular value decomposition, as returned by {@link svd}. */
export interface SvdResult {
  /** `rows × k` with orthonormal columns (the left singular vectors), row-major. */
  u: Float64Array;
  /** The `k` singular values, non-negative, largest first. */
  s: Float64Array;
  /** `k × cols` with orthonormal rows (the right singular vectors), row-major. */
  vt: Float64Array;
  /** `min(rows, cols)`. */
  k: number;
}

const EPSILON = 2 ** -52;
/** Column norms at or below this (on the matrix scaled to a largest entry of 1) count as zero. */
const NEGLIGIBLE = 2 ** -1022 / EPSILON;
/** A safety stop; one-sided Jacobi converges quadratically and needs far fewer sweeps. */
const MAX_SWEEPS = 80;

/**
 * Thin singular value decomposition of a `rows × cols` row-major matrix in float64, the factors of
 * `torch.linalg.svd(A, full_matrices=False)`: `A = u · diag(s) · vt` with `k = min(rows, cols)`.
 *
 * Method: one-sided (Hestenes) Jacobi on the `k` columns of `A` (or of `Aᵀ` when `rows < cols`),
 * rotating pairs of columns until every pair is orthogonal to about 1e-15 relative to their
 * lengths; the lengths are then the singular values and the accumulated rotations the other factor.
 * Small singular values come out with high relative accuracy. Rank-deficient and all-zero
 * matrices are handled: singular vectors that belong to a zero singular value are completed to an
 * orthonormal set. Cost is about `k² · max(rows, cols)` per sweep, a handful of sweeps in all.
 *
 * Sign convention: singular vectors are only fixed up to sign, and PyTorch's signs depend on its
 * LAPACK, so compare products (`u · diag(s) · vt`, or a rank-r truncation), not factors. Here each
 * column of `u` is made to have its largest-magnitude entry (the first of equals) positive, and the
 * matching row of `vt` is flipped along with it, so results are deterministic.
 *
 * @example
 * ```ts
 * const { u, s, vt, k } = svd(new Float64Array([3, 0, 0, 0, -2, 0]), 2, 3);
 * // k === 2, s = [3, 2], u = [[1, 0], [0, 1]], vt = [[1, 0, 0], [0, -1, 0]]
 * ```
 */
export function svd(a: Float64Array, rows: number, cols: number): SvdResult {
  checkMatrix('svd', a, rows, cols);
  const k = Math.min(rows, cols);
  const tall = rows >= cols;
  const m = tall ? rows : cols; // the length of the k columns that get rotated

  // w holds the k columns of A (tall) or of Aᵀ (wide), each contiguous, scaled to a largest entry of 1
  const w = new Float64Array(k * m);
  if (tall) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[j * m + i] = a[i * cols + j];
  } else {
    w.set(a);
  }
  let scale = 0;
  for (const x of w) scale = Math.max(scale, Math.abs(x));
  if (scale > 0) for (let i = 0; i < w.length; i++) w[i] /= scale;

  // the rotations, accumulated: column j of the k × k matrix v is contiguous
  const v = new Float64Array(k * k);
  for (let j = 0; j < k; j++) v[j * k + j] = 1;
  orthogonalizeColumns(w, v, m, k);

  const norms = Array.from({ length: k }, (_, j) => columnNorm(w, j, m));
  const order = norms.map((_, j) => j).sort((p, q) => norms[q] - norms[p] || p - q);

  // the other factor: unit columns in sorted order, completed where a singular value is zero
  const unit = new Float64Array(k * m);
  const isNull = order.map((j) => norms[j] <= NEGLIGIBLE);
  order.forEach((j, jj) => {
    if (isNull[jj]) return;
    for (let i = 0; i < m; i++) unit[jj * m + i] = w[j * m + i] / norms[j];
  });
  completeOrthonormal(unit, m, isNull);

  const u = new Float64Array(rows * k);
  const s = new Float64Array(k);
  const vt = new Float64Array(k * cols);
  order.forEach((j, jj) => {
    s[jj] = isNull[jj] ? 0 : norms[j] * scale;
    for (let i = 0; i < k; i++) {
      // tall: A = unit · diag(s) · vᵀ; wide: Aᵀ = unit · diag(s) · vᵀ, so A = v · diag(s) · unitᵀ
      if (tall) vt[jj * cols + i] = v[j * k + i];
      else u[i * k + jj] = v[j * k + i];
    }
    for (let i = 0; i < m; i++) {
      if (tall) u[i * k + jj] = unit[jj * m + i];
      else vt[jj * cols + i] = unit[jj * m + i];
    }
  });
  fixSigns(u, vt, rows, cols, k);
  return { u, s, vt, k };
}

/**
 * Rotates pairs of the `n` columns of `w` (each `m` long) until all are mutually orthogonal to
 * working precision, applying the same rotations to the columns of `v` (each `n` long).
 */
function orthogonalizeColumns(w: Float64Array, v: Float64Array, m: number, n: number): void {
  const tolerance = Math.max(1e-15, EPSILON * Math.sqrt(m));
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let pp = 0;
        let qq = 0;
        let pq = 0;
        for (let i = 0; i < m; i++) {
          const x = w[p * m + i];
          const y = w[q * m + i];
          pp += x * x;
          qq += y * y;
          pq += x * y;
        }
        if (Math.abs(pq) <= tolerance * Math.sqrt(pp) * Math.sqrt(qq)) continue;
        rotated = true;
        // the rotation angle that zeroes the pair's inner product, taking the smaller of two roots
        const zeta = (qq - pp) / (2 * pq);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(1, zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        rotatePair(w, p * m, q * m, m, c, c * t);
        rotatePair(v, p * n, q * n, n, c, c * t);
      }
    }
    if (!rotated) return;
  }
}

/** Replaces the `len`-long runs at `p` and `q` of `x` by `c·x_p - s·x_q` and `s·x_p + c·x_q`. */
function rotatePair(x: Float64Array, p: number, q: number, len: number, c: number, s: number): void {
  for (let i = 0; i < len; i++) {
    const xp = x[p + i];
    const xq = x[q + i];
    x[p + i] = c * xp - s * xq;
    x[q + i] = s * xp + c * xq;
  }
}

function columnNorm(w: Float64Array, j: number, m: number): number {
  let sum = 0;
  for (let i = 0; i < m; i++) sum += w[j * m + i] * w[j * m + i];
  return Math.sqrt(sum);
}

/**
 * Fills the columns of `unit` (each `m` long) marked in `isNull` with unit vectors orthogonal to all
 * the others. Candidates are the coordinate vectors e_0, e_1, … in turn, each orthogonalised
 * against the columns so far (twice, for accuracy) and taken once what is left has a squared length
 * of at least 1/(2m). Some candidate always qualifies: the leftover squared lengths of all m
 * coordinate vectors add up to the number of missing directions, at least 1, and a candidate passed
 * over never grows again, so the ones not yet tried average at least 1/m.
 */
function completeOrthonormal(unit: Float64Array, m: number, isNull: boolean[]): void {
  const basis = isNull.flatMap((missing, j) => (missing ? [] : [j]));
  let candidate = 0;
  for (let j = 0; j < isNull.length; j++) {
    if (!isNull[j]) continue;
    const x = unit.subarray(j * m, (j + 1) * m);
    for (; candidate < m; candidate++) {
      x.fill(0);
      x[candidate] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const b of basis) {
          let dot = 0;
          for (let i = 0; i < m; i++) dot += x[i] * unit[b * m + i];
          for (let i = 0; i < m; i++) x[i] -= dot * unit[b * m + i];
        }
      }
      let sum = 0;
      for (let i = 0; i < m; i++) sum += x[i] * x[i];
      if (sum >= 0.5 / m) {
        const inv = 1 / Math.sqrt(sum);
        for (let i = 0; i < m; i++) x[i] *= inv;
        break;
      }
    }
    candidate++;
    basis.push(j);
  }
}

/** Makes the largest-magnitude entry of each column of u positive, flipping the row of vt with it. */
function fixSigns(u: Float64Array, vt: Float64Array, rows: number, cols: number, k: number): void {
  for (let j = 0; j < k; j++) {
    let at = 0;
    for (let i = 1; i < rows; i++) if (Math.abs(u[i * k + j]) > Math.abs(u[at * k + j])) at = i;
    if (u[at * k + j] >= 0) continue;
    for (let i = 0; i < rows; i++) u[i * k + j] = -u[i * k + j];
    for (let c = 0; c < cols; c++) vt[j * cols + c] = -vt[j * cols + c];
  }
}
