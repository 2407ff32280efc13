import type { ModelBatch } from './trainer-types.js';

/**
 * How the micro-batches of one optimizer step share its loss: each micro-batch's mean loss counts
 * `counts[i] / total`, so the step's loss is `Σ meanᵢ · countsᵢ / total` and each backward runs on
 * `meanᵢ · countsᵢ / total`.
 *
 * @example
 * ```ts
 * const { counts, total } = microBatchWeights([{ targets: 30 }, { targets: 10 }]); // counts [30, 10], total 40
 * ```
 */
export interface MicroBatchWeights {
  /** The weight of each micro-batch before dividing by `total`: its label tokens, or 1 for a classifier. */
  readonly counts: readonly number[];
  /** The sum of `counts`: the step's label tokens, or its number of micro-batches for a classifier. */
  readonly total: number;
  /** Whether the weights are label-token counts (a language model's batches) rather than one per micro-batch. */
  readonly byTokens: boolean;
}

/**
 * Weighs the micro-batches of one optimizer step. For a language model (causal or encoder-decoder:
 * batches without `classLabels`), as Hugging Face transformers' Trainer does, each micro-batch counts
 * by its label tokens (`targets`: labels other than -100, after the causal shift), so the step's loss
 * is the sum of the token losses of all its micro-batches divided by all their label tokens: what one
 * batch holding every row would give (transformers' `num_items_in_batch`). A classifier's
 * micro-batches (batches with `classLabels`) count equally: the step's loss is the mean of their
 * per-example means, as before.
 *
 * @example
 * ```ts
 * const { counts, total } = microBatchWeights(batches);
 * const stepLoss = losses.reduce((s, l, i) => s + l * counts[i], 0) / total;
 * ```
 */
export function microBatchWeights(batches: readonly Pick<ModelBatch, 'targets' | 'classLabels'>[]): MicroBatchWeights {
  const byTokens = batches.every((b) => b.classLabels === undefined);
  const counts = batches.map((b) => (byTokens ? b.targets : 1));
  return { counts, total: counts.reduce((s, c) => s + c, 0), byTokens };
}
