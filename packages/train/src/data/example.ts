/**
 * One training example, ready for a collator: token ids, the attention mask (1 for real tokens) and
 * either per-token labels (causal LM: the input ids themselves, -100 where no loss is taken; the model
 * shifts them internally, as transformers does), one class id (sequence classification), or for an
 * encoder-decoder (`seq2seq`) the target ids, of their own length, that the decoder learns to produce
 * from the encoder inputs (the model shifts them right into decoder inputs).
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
  /** True for an encoder-decoder example: `labels` are the target ids, not aligned with `inputIds`. */
  seq2seq?: boolean;
}

/** The label value that takes no loss (PyTorch's cross-entropy `ignore_index`). @example `labels.fill(IGNORE_INDEX)` */
export const IGNORE_INDEX = -100;
