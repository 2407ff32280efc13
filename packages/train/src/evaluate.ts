import { type Backend, type PretrainedModel, noGrad, tidy } from '@peft/core';
import { argmax } from '@peft/core/plugin';
import type { EvalMetrics, ModelBatch } from './trainer-types.js';

/**
 * Evaluates `model` on `examples` in batches of `batchSize`, in order, in evaluation mode and without
 * gradients (the mode is restored after). The loss is the mean over every loss-carrying position
 * (each batch's mean weighted by its `targets`), so it does not depend on the batch size; perplexity
 * is `exp(loss)`; a classifier's batches (those with `classLabels`) also give the accuracy.
 *
 * @example
 * ```ts
 * const { loss, perplexity } = await evaluateModel(peft, evalExamples, 8, (rows) => collate(rows, backend), backend);
 * ```
 */
export async function evaluateModel<E>(
  model: PretrainedModel,
  examples: readonly E[],
  batchSize: number,
  collate: (rows: readonly E[], backend: Backend) => ModelBatch,
  backend: Backend,
): Promise<EvalMetrics> {
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let weight = 0;
  let correct = 0;
  let rows = 0;
  try {
    for (let start = 0; start < examples.length; start += batchSize) {
      const batch = collate(examples.slice(start, start + batchSize), backend);
      try {
        const [loss, predicted] = noGrad(() =>
          tidy(() => {
            const out = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, labels: batch.labels });
            const pred = batch.classLabels ? argmax(out.logits, -1) : undefined;
            return [out.loss!.detach(), pred] as const;
          }),
        );
        try {
          lossSum += (await loss.item()) * batch.targets;
          weight += batch.targets;
          if (predicted && batch.classLabels) {
            const ids = Array.from((await predicted.array()) as number[]);
            ids.forEach((p, i) => {
              if (p === batch.classLabels![i]) correct++;
            });
            rows += ids.length;
          }
        } finally {
          loss.dispose();
          predicted?.dispose();
        }
      } finally {
        disposeBatch(batch);
      }
    }
  } finally {
    if (wasTraining) model.train();
  }
  const loss = weight > 0 ? lossSum / weight : Number.NaN;
  return rows > 0 ? { loss, perplexity: Math.exp(loss), accuracy: correct / rows } : { loss, perplexity: Math.exp(loss) };
}

/** Frees a batch's tensors. @example `disposeBatch(batch)` */
export function disposeBatch(batch: ModelBatch): void {
  batch.inputIds.dispose();
  batch.attentionMask?.dispose();
  batch.labels.dispose();
}
