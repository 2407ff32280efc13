import { readFileSync } from 'node:fs';
import { testRandom } from './numeric.js';

// Small row-major float64 matrix helpers shared by the linalg tests, and the reference factors
// PyTorch computed (fixtures/torch-linalg.json, written by tools/linalg-fixtures.py).

/**
 * The product of a `rows × inner` and an `inner × cols` matrix.
 *
 * @example
 * ```ts
 * const a = randomMatrix(4, 3, 1);
 * maxAbs(subtract(matmul(a, identity(3), 4, 3, 3), a)); // 0
 * ```
 */
export function matmul(
  a: Float64Array,
  b: Float64Array,
  rows: number,
  inner: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let p = 0; p < inner; p++) {
      const x = a[i * inner + p];
      for (let j = 0; j < cols; j++) out[i * cols + j] += x * b[p * cols + j];
    }
  }
  return out;
}

/**
 * The transpose of a `rows × cols` matrix.
 * @example `transpose(new Float64Array([1, 2, 3, 4]), 2, 2) // [1, 3, 2, 4]`
 */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** The `n × n` identity. @example `identity(2) // [1, 0, 0, 1]` */
export function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** Entrywise `a - b`. @example `subtract(new Float64Array([3]), new Float64Array([1])) // [2]` */
export function subtract(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((x, i) => x - b[i]);
}

/** The largest magnitude among the entries. @example `maxAbs(new Float64Array([1, -3])) // 3` */
export function maxAbs(a: Float64Array): number {
  return a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

/**
 * How far the `k` columns of a `rows × k` matrix are from orthonormal: `max |QᵀQ - I|`.
 * @example `orthonormalityError(identity(3), 3, 3) // 0`
 */
export function orthonormalityError(q: Float64Array, rows: number, k: number): number {
  return maxAbs(subtract(matmul(transpose(q, rows, k), q, k, rows, k), identity(k)));
}

/**
 * `u[:, :r] · diag(s[:r]) · vt[:r, :]`, the rank-r truncation of a thin SVD of a `rows × cols` matrix.
 * @example `truncate(u, s, vt, 4, 3, 3, 1) // the best rank-1 approximation of a 4 × 3 matrix`
 */
export function truncate(
  u: Float64Array,
  s: ArrayLike<number>,
  vt: Float64Array,
  rows: number,
  cols: number,
  k: number,
  r: number,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let p = 0; p < r; p++) {
    for (let i = 0; i < rows; i++) {
      const x = u[i * k + p] * s[p];
      for (let j = 0; j < cols; j++) out[i * cols + j] += x * vt[p * cols + j];
    }
  }
  return out;
}

/**
 * A `rows × cols` matrix with entries uniform in [-1, 1), the same for the same seed.
 * @example `randomMatrix(2, 3, 7) // 6 entries`
 */
export function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const next = testRandom(seed);
  return Float64Array.from({ length: rows * cols }, () => 2 * next() - 1);
}

/** One matrix and the factors PyTorch gave for it. */
export interface TorchCase {
  name: string;
  rows: number;
  cols: number;
  /** How many leading columns of q (rows of r) are determined by the matrix, not by rounding. */
  qrDetermined: number;
  a: number[];
  q: number[];
  r: number[];
  u: number[];
  s: number[];
  vt: number[];
}

/** The cases in fixtures/torch-linalg.json. @example `torchCases().map((c) => c.name)` */
export function torchCases(): TorchCase[] {
  const text = readFileSync(new URL('../linalg/fixtures/torch-linalg.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { cases: TorchCase[] }).cases;
}
