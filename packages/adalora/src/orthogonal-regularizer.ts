import { type Tensor, fromArray } from '@peft/core';
import { add, div, matmul, norm, sub, transpose } from '@peft/core/plugin';
import type { SvdLinear } from './layer.js';

function identity(n: number, like: Tensor): Tensor {
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  return fromArray(values, [n, n], { backend: like.backend, dtype: like.dtype });
}

/**
 * AdaLoRA's orthogonality penalty for adapter `name` (unweighted): the mean, over every `lora_A` and
 * `lora_B` of the given layers, of `‖A·Aᵀ − I‖_F` and `‖Bᵀ·B − I‖_F`, which pushes the singular
 * vectors towards orthonormal ones (PEFT's `AdaLoraModel.forward`). Undefined when there are no layers.
 * Differentiable: call it where the loss is built.
 *
 * @example
 * ```ts
 * const loss = add(out.loss, mul(orthogonalRegularizer(layers, 'default')!, 0.5));
 * ```
 */
export function orthogonalRegularizer(layers: Iterable<SvdLinear>, name: string): Tensor | undefined {
  let total: Tensor | undefined;
  let count = 0;
  for (const layer of layers) {
    const a = layer.loraA.get(name);
    const b = layer.loraB.get(name);
    const r = a.shape[0];
    for (const cov of [matmul(a, transpose(a)), matmul(transpose(b), b)]) {
      const term = norm(sub(cov, identity(r, a)));
      total = total ? add(total, term) : term;
      count++;
    }
  }
  return total && div(total, count);
}
