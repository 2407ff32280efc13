/**
 * One training example, ready for a collator: token ids, the attention mask (1 for real tokens) and
 * either per-token labels (causal LM: the input ids themselves, -100 where no loss is taken; the model
 * shifts them internally, as transformers does) or one class id (sequence classification).
 *
 * @example
 * ```ts
 * const ex: Example = { inputIds: [15, 16, 2], attentionMask: [1, 1, 1], labels: [-100, 16, 2] };
 * ```
 */
export interface Example {
  inputIds: number[];
  attentionMask: number[];
  labels: number[] | number;
}

/** The label value that takes no loss (PyTorch's cross-entropy `ignore_index`). @example `labels.fill(IGNORE_INDEX)` */
export const IGNORE_INDEX = -100;
