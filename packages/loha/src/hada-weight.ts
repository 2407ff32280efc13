import { type Tensor } from '@peft/core';
import { matmul, mul, transpose, customFunction } from '@peft/core/plugin';

/**
 * LoHa's weight change `((w1a·w1b) ⊙ (w2a·w2b)) · scale` (`[out, r]·[r, in]` twice), as one graph node
 * whose backward recomputes the two rank-r products from the four factors instead of keeping them
 * alive from the forward (the memory of two full `[out, in]` matrices per layer during training).
 * With `G = scale·grad`:
 *
 * - `∂w1a = (G ⊙ w2a·w2b)·w1bᵀ`, `∂w1b = w1aᵀ·(G ⊙ w2a·w2b)`;
 * - `∂w2a = (G ⊙ w1a·w1b)·w2bᵀ`, `∂w2b = w2aᵀ·(G ⊙ w1a·w1b)`.
 *
 * @example
 * ```ts
 * const delta = hadaWeight(w1a, w1b, w2a, w2b, alpha / r); // [out, in]
 * ```
 */
export function hadaWeight(w1a: Tensor, w1b: Tensor, w2a: Tensor, w2b: Tensor, scale: number): Tensor {
  return customFunction(
    'hada_weight',
    [w1a, w1b, w2a, w2b],
    (a1, b1, a2, b2) => mul(mul(matmul(a1, b1), matmul(a2, b2)), scale),
    (grad, [a1, b1, a2, b2]) => {
      const g = mul(grad, scale);
      const first = a1.requiresGrad || b1.requiresGrad ? mul(g, matmul(a2, b2)) : null;
      const second = a2.requiresGrad || b2.requiresGrad ? mul(g, matmul(a1, b1)) : null;
      return [
        first && a1.requiresGrad ? matmul(first, transpose(b1)) : null,
        first && b1.requiresGrad ? matmul(transpose(a1), first) : null,
        second && a2.requiresGrad ? matmul(second, transpose(b2)) : null,
        second && b2.requiresGrad ? matmul(transpose(a2), second) : null,
      ];
    },
  );
}
