import type { Backend, Tensor } from '@peft/core';

/**
 * One batch as the model takes it: token ids, mask and labels (next-token ids for a causal LM, with
 * -100 where no loss is taken; class ids `[batch]` for a classifier), plus the counts the trainer
 * reports.
 *
 * @example
 * ```ts
 * const b: ModelBatch = { inputIds, attentionMask, labels, tokens: 512, targets: 480 };
 * ```
 */
export interface ModelBatch {
  readonly inputIds: Tensor;
  readonly attentionMask?: Tensor;
  readonly labels: Tensor;
  /** Real (non-padding) input tokens, for tokens per second. */
  readonly tokens: number;
  /** Positions that carry a loss (after the causal shift), or rows for a classifier: the weight of this batch in an evaluation mean. */
  readonly targets: number;
  /** Class ids by row when the batch is for a classifier (for accuracy). */
  readonly classLabels?: readonly number[];
}

/**
 * Where the trainer's batches come from: a restartable, seeded iterator over examples and a collator
 * that turns a list of examples into tensors. Its position is saved in checkpoints, so a resumed run
 * sees the same batches as an uninterrupted one.
 *
 * @example
 * ```ts
 * const source: BatchSource<Example> = { loader, collate: (rows, backend) => collateExamples(rows, { backend, padTokenId: 0 }) };
 * ```
 */
export interface BatchSource<E = unknown> {
  readonly loader: BatchLoader<E>;
  collate(examples: readonly E[], backend: Backend): ModelBatch;
}

/**
 * A seeded iterator over batches of examples that runs through epochs without end and whose position
 * can be saved and restored exactly.
 *
 * @example
 * ```ts
 * const { batch, epoch } = loader.next();
 * const saved = loader.state();
 * ```
 */
export interface BatchLoader<E = unknown> {
  /** Batches in one epoch. */
  readonly batchesPerEpoch: number;
  /** The next batch (a new epoch starts, reshuffled, after the last). */
  next(): { readonly batch: readonly E[]; readonly epoch: number };
  /** The position (JSON-able). */
  state(): unknown;
  /** Goes back to a position from {@link BatchLoader.state}. */
  restore(state: unknown): void;
}

/**
 * One line of the metrics log: optimizer step (from 1), and either the training loss of that step's
 * batch (computed before the update) with the learning rate used, or evaluation results.
 *
 * @example
 * ```ts
 * const line: MetricsLine = { step: 10, epoch: 0.5, loss: 2.31, learning_rate: 1e-3 };
 * ```
 */
export interface MetricsLine {
  readonly step: number;
  readonly epoch?: number;
  readonly loss?: number;
  readonly learning_rate?: number;
  readonly grad_norm?: number;
  readonly tokens_per_second?: number;
  readonly eval_loss?: number;
  readonly eval_perplexity?: number;
  readonly eval_accuracy?: number;
  readonly [key: string]: number | undefined;
}

/**
 * Evaluation results: mean loss over the loss-carrying positions (or rows), its perplexity, and the
 * accuracy for classification.
 *
 * @example
 * ```ts
 * const m: EvalMetrics = { loss: 1.9, perplexity: 6.69 };
 * ```
 */
export interface EvalMetrics {
  readonly loss: number;
  readonly perplexity: number;
  readonly accuracy?: number;
}

/**
 * What {@link Trainer.train} returns.
 *
 * @example
 * ```ts
 * const { globalStep, losses, stoppedEarly } = await trainer.train();
 * ```
 */
export interface TrainResult {
  /** Optimizer steps done (counting those before a resume). */
  readonly globalStep: number;
  /** The training loss of each step run in this call, in order. */
  readonly losses: readonly number[];
  /** Every evaluation, with the step it ran after. */
  readonly evaluations: readonly (EvalMetrics & { step: number })[];
  /** Whether early stopping ended the run. */
  readonly stoppedEarly: boolean;
  /** Wall-clock seconds of this call. */
  readonly seconds: number;
  /** Real input tokens processed in this call. */
  readonly tokens: number;
}
