import { ShapeError, type Tensor } from '@peft/core';
import { linear, matmul, mul, reshape } from '@peft/core/plugin';

/**
 * The Kronecker product of two matrices: `kron(A, B)[i·p + k, j·q + l] = A[i, j]·B[k, l]` for `A`
 * `[m, n]` and `B` `[p, q]`, an `[m·p, n·q]` matrix (as `torch.kron`), built by one broadcast multiply.
 *
 * @example
 * ```ts
 * kron(eye2, b).shape; // [2·p, 2·q]: b on the block diagonal
 * ```
 */
export function kron(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 2 || b.rank !== 2) throw new ShapeError(`kron: expected two matrices, got ${JSON.stringify(a.shape)} and ${JSON.stringify(b.shape)}`);
  const [m, n] = a.shape;
  const [p, q] = b.shape;
  return reshape(mul(reshape(a, [m, 1, n, 1]), reshape(b, [1, p, 1, q])), [m * p, n * q]);
}

/**
 * `x · kron(A, B)ᵀ` without forming the Kronecker product, by `(A ⊗ B)·vec(X) = vec(B·X·Aᵀ)` (the
 * identity for column-major `vec`; with the row-major rows used here it reads `A·X·Bᵀ`): each input
 * row, read as a row-major `[n, q]` matrix `X`, becomes `A·X·Bᵀ`, read back as a row of length `m·p`.
 * `x` is `[..., n·q]`; the result is `[..., m·p]`.
 *
 * @example
 * ```ts
 * const y = kronLinear(x, w1, w2); // equals linear(x, kron(w1, w2)) up to rounding
 * ```
 */
export function kronLinear(x: Tensor, a: Tensor, b: Tensor): Tensor {
  const [m, n] = a.shape;
  const [p, q] = b.shape;
  const inFeatures = x.shape[x.rank - 1];
  if (inFeatures !== n * q) throw new ShapeError(`kronLinear: expected input [..., ${n * q}] for factors ${JSON.stringify(a.shape)} ⊗ ${JSON.stringify(b.shape)}, got ${JSON.stringify(x.shape)}`);
  const lead = x.shape.slice(0, -1);
  const t = linear(reshape(x, [-1, n, q]), b); // [N, n, p]: X·Bᵀ
  const u = matmul(a, t); // [N, m, p]: A·X·Bᵀ
  return reshape(u, [...lead, m * p]);
}

/**
 * Multiply-add counts of the two ways to apply `kron(A, B)` (`A` `[m, n]`, `B` `[p, q]`) to `rows`
 * input rows: forming the `[m·p, n·q]` matrix and one matrix product, or {@link kronLinear}'s two
 * small products per row.
 *
 * @example
 * ```ts
 * const { materialized, factored } = kronFlops(16, [4, 4], [8, 8]); // { materialized: 33792, factored: 12288 }
 * ```
 */
export function kronFlops(rows: number, [m, n]: readonly number[], [p, q]: readonly number[]): { materialized: number; factored: number } {
  return {
    materialized: m * n * p * q + 2 * rows * m * p * n * q,
    factored: 2 * rows * n * q * p + 2 * rows * m * n * p,
  };
}
