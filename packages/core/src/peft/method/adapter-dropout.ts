import type { Backend } from '../../backend-interface.js';
import type { DType } from '../../dtype.js';
import { fromArray } from '../../ops/creation.js';
import { type Generator, defaultGenerator } from '../../random.js';
import type { Tensor } from '../../tensor.js';

/**
 * Module dropout for adapters (LyCORIS' `module_dropout`, used by LoHa and LoKr; training only): whether the adapter is skipped in this forward pass,
 * which happens with probability `p` (PEFT: the adapter runs when `rand() > p`).
 *
 * @example
 * ```ts
 * if (!moduleDropped(0.1, layer.training, generator)) y = add(y, delta);
 * ```
 */
export function moduleDropped(p: number, training: boolean, generator?: Generator): boolean {
  if (!training || p === 0) return false;
  return !((generator ?? defaultGenerator()).uniform(1)[0] > p);
}

/**
 * Rank dropout for adapters (LyCORIS' `rank_dropout`, used by LoHa and LoKr; training only): a `[rows]` mask that keeps each output row of the weight
 * change when `rand() > p`, divided by its mean when `rescale` is true, so the kept rows make up for
 * the dropped ones. Undefined when it does nothing (evaluation, or `p` 0). If every row is dropped
 * the mask is all zeros (PyTorch would divide 0 by 0 and give NaNs).
 *
 * @example
 * ```ts
 * const mask = rankDropoutMask(out, 0.2, true, layer.training, { backend, dtype: 'f32' });
 * if (mask) delta = mul(delta, mask); // broadcast over the last (output) axis
 * ```
 */
export function rankDropoutMask(
  rows: number,
  p: number,
  rescale: boolean,
  training: boolean,
  make: { backend: Backend; dtype: DType; generator?: Generator },
): Tensor | undefined {
  if (!training || p === 0) return undefined;
  const u = (make.generator ?? defaultGenerator()).uniform(rows);
  const keep = u.map((v) => (v > p ? 1 : 0));
  const kept = keep.reduce((s, v) => s + v, 0);
  if (rescale && kept > 0) for (let i = 0; i < rows; i++) keep[i] /= kept / rows;
  return fromArray(keep, [rows], { backend: make.backend, dtype: make.dtype });
}
