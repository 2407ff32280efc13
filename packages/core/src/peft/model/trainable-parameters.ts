/**
 * Parameter counts of a model with adapters: `trainable` (requiresGrad) and `all` (every parameter
 * once, tied weights once).
 *
 * @example
 * ```ts
 * const { trainable, all } = peft.trainableParameters();
 * ```
 */
export interface TrainableCounts {
  readonly trainable: number;
  readonly all: number;
}

/**
 * The line Python PEFT's `print_trainable_parameters` prints, word for word:
 * thousands separated by commas, the percentage with four decimals.
 *
 * @example
 * ```ts
 * formatTrainableParameters({ trainable: 1024, all: 31744 });
 * // 'trainable params: 1,024 || all params: 31,744 || trainable%: 3.2258'
 * ```
 */
export function formatTrainableParameters(counts: TrainableCounts): string {
  const { trainable, all } = counts;
  const percent = all === 0 ? 0 : (100 * trainable) / all;
  return `trainable params: ${groupThousands(trainable)} || all params: ${groupThousands(all)} || trainable%: ${percent.toFixed(4)}`;
}

function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
