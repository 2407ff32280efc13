import { type Tensor, arange, unsqueeze, where } from '@peft/core';
import { composite, ge, minimum, reshape, sub } from '@peft/core/plugin';
import { MASKED_SCORE } from '../attention.js';

/**
 * Restricts an attention bias to a sliding window, as Mistral and Qwen2 do: query `i` (cache index
 * `past + i`) sees key `j` only when `past + i - j < window`. Returns `bias` unchanged when every key
 * is inside the window, else the elementwise minimum of `bias` and the window's own bias
 * (`[1, 1, query, past + query]`).
 *
 * @example
 * ```ts
 * const bias = slidingWindowBias(attentionBias({ ... }), { queryLength: s, pastLength: past, window: 4096, like: h });
 * ```
 */
export function slidingWindowBias(
  bias: Tensor | undefined,
  opts: { queryLength: number; pastLength: number; window: number; like: Tensor },
): Tensor | undefined {
  const { queryLength: q, pastLength: past, window } = opts;
  const kv = past + q;
  // the farthest pair is the last query and the first key
  if (kv - 1 < window) return bias;
  return composite(() => {
    const backend = opts.like.backend;
    const keyPos = arange(0, kv, 1, { dtype: 'i32', backend });
    const queryPos = arange(past, kv, 1, { dtype: 'i32', backend });
    const tooFar = reshape(ge(sub(unsqueeze(queryPos, 1), unsqueeze(keyPos, 0)), window), [1, 1, q, kv]);
    const windowBias = where(tooFar, MASKED_SCORE, 0);
    return bias ? minimum(bias, windowBias) : windowBias;
  });
}
