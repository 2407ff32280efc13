import { ShapeError, type Tensor, crossEntropy, mseLoss } from '@peft/core';
import { abs, cast, composite, exp, log, mean, relu, reshape } from '@peft/core/plugin';
import type { BertProblemType } from './config.js';

/**
 * Binary cross-entropy on logits, averaged over every element, in the overflow-free form
 * `max(x, 0) − x·y + log(1 + exp(−|x|))` (what `torch.nn.BCEWithLogitsLoss` computes).
 *
 * @example
 * ```ts
 * const loss = bceWithLogits(logits, targets); // both [batch, numLabels], targets in [0, 1]
 * ```
 */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  if (logits.rank !== targets.rank || logits.shape.some((d, i) => d !== targets.shape[i])) {
    throw new ShapeError(`bceWithLogits: expected targets [${logits.shape.join(', ')}] like the logits, got [${targets.shape.join(', ')}]`);
  }
  return composite(() => {
    const y = cast(targets, logits.dtype);
    return mean(relu(logits).sub(logits.mul(y)).add(log(exp(abs(logits).neg()).add(1))));
  });
}

/**
 * The problem type transformers infers when the config names none: one label is regression, integer
 * labels are single-label classification, anything else is multi-label classification.
 *
 * @example
 * ```ts
 * inferProblemType(3, labels); // 'single_label_classification' for i32 labels
 * ```
 */
export function inferProblemType(numLabels: number, labels: Tensor): BertProblemType {
  if (numLabels === 1) return 'regression';
  return labels.dtype === 'i32' || labels.dtype === 'u32' ? 'single_label_classification' : 'multi_label_classification';
}

/**
 * The loss of a sequence classifier as transformers' `*ForSequenceClassification` computes it:
 * mean squared error for regression (both sides flattened when there is one label), cross-entropy
 * over class ids for single-label, and binary cross-entropy on logits for multi-label.
 *
 * @example
 * ```ts
 * const loss = sequenceClassificationLoss(logits, labels, config.problemType); // logits [batch, numLabels]
 * ```
 */
export function sequenceClassificationLoss(logits: Tensor, labels: Tensor, problemType?: BertProblemType): Tensor {
  const [b, n] = logits.shape;
  const kind = problemType ?? inferProblemType(n, labels);
  return composite(() => {
    switch (kind) {
      case 'regression': {
        const y = cast(labels, logits.dtype);
        if (n === 1) {
          if (labels.size !== b) throw new ShapeError(`sequenceClassificationLoss: expected ${b} regression targets for logits [${b}, 1], got labels [${labels.shape.join(', ')}]`);
          return mseLoss(reshape(logits, [b]), reshape(y, [b]));
        }
        return mseLoss(logits, y);
      }
      case 'single_label_classification': {
        if (labels.size !== b) throw new ShapeError(`sequenceClassificationLoss: expected ${b} class ids for logits [${b}, ${n}], got labels [${labels.shape.join(', ')}]`);
        const ids = labels.dtype === 'i32' || labels.dtype === 'u32' ? labels : cast(labels, 'i32');
        return crossEntropy(logits, reshape(ids, [b]));
      }
      case 'multi_label_classification':
        return bceWithLogits(logits, labels);
    }
  });
}
