import { type Module, type Tensor, tidy } from '@peft/core';
import { isLinearLike } from '@peft/core/plugin';
import { QuantizedLinear } from './quantized-linear.js';

/**
 * Backend bytes of a (possibly quantised) model with adapters, by role.
 *
 * @example
 * ```ts
 * const m = memoryBreakdown(peft);
 * console.log(`base ${m.baseWeights} B, adapters ${m.adapters} B, AdamW ${m.optimizerState} B`);
 * ```
 */
export interface MemoryBreakdown {
  /** Weights of the dense base layers: 4-bit codes and scales for quantised ones, full size for the others. */
  readonly baseWeights: number;
  /** The other frozen tensors: embeddings, norms, biases, the head, buffers. */
  readonly baseOther: number;
  /** Trainable parameters (the adapters). */
  readonly adapters: number;
  /** AdamW's two moments of every trainable parameter (float32). */
  readonly optimizerState: number;
}

const bytesOf = (t: Tensor): number => t.nbytes;

/**
 * Counts the bytes a model holds on its backend, split into base weights, other frozen tensors,
 * adapters and the AdamW state training them would add (two float32 moments per trainable value).
 *
 * @example
 * ```ts
 * const before = memoryBreakdown(model).baseWeights;
 * await quantizeModel(model);
 * memoryBreakdown(model).baseWeights / before; // ≈ 0.14 at blocksize 64
 * ```
 */
export function memoryBreakdown(model: Module): MemoryBreakdown {
  const dense = new Set<Tensor>();
  let baseWeights = 0;
  for (const [, m] of model.namedModules()) {
    if (m instanceof QuantizedLinear) {
      baseWeights += m.weightBytes();
      dense.add(m.packedWeight).add(m.absmax).add(m.weight);
      if (m.nestedAbsmax) dense.add(m.nestedAbsmax);
    } else if (isLinearLike(m) && !m.weight.requiresGrad && !dense.has(m.weight)) {
      baseWeights += bytesOf(m.weight);
      dense.add(m.weight);
    }
  }
  let baseOther = 0;
  let adapters = 0;
  let trainable = 0;
  for (const p of model.parameters()) {
    if (dense.has(p)) continue;
    if (p.requiresGrad) {
      adapters += bytesOf(p);
      trainable += p.size;
    } else baseOther += bytesOf(p);
  }
  for (const b of model.buffers()) if (!dense.has(b)) baseOther += bytesOf(b);
  return { baseWeights, baseOther, adapters, optimizerState: 2 * trainable * 4 };
}

/**
 * Bytes of the activations one training forward keeps for the backward: the backend's live bytes
 * after `forward()` (with gradients recorded) minus those before. Everything is freed afterwards.
 *
 * @example
 * ```ts
 * const act = await activationBytes(model, () => peft.forward(batch).loss!);
 * ```
 */
export async function activationBytes(model: Module, forward: () => Tensor): Promise<number> {
  const backend = model.parameters().next().value?.backend;
  if (!backend) return 0;
  await backend.sync();
  const before = backend.memory().liveBytes;
  let after = before;
  tidy(() => {
    forward();
    after = backend.memory().liveBytes;
  });
  return after - before;
}
