import { ShapeError, type Tensor, crossEntropy } from '@peft/core';
import { composite, narrow, reshape } from '@peft/core/plugin';

/**
 * The next-token loss of a causal language model, as transformers computes it: position `t`'s logits
 * predict `labels[t + 1]`; labels of -100 (padding, prompt tokens) are skipped; the mean runs over the
 * rest.
 *
 * @example
 * ```ts
 * const loss = causalLMLoss(logits, inputIds); // labels = the inputs themselves
 * ```
 */
export function causalLMLoss(logits: Tensor, labels: Tensor): Tensor {
  const [b, s, v] = logits.shape;
  if (labels.rank !== 2 || labels.shape[0] !== b || labels.shape[1] !== s) {
    throw new ShapeError(`causalLMLoss: expected labels [${b}, ${s}] to match the logits [${logits.shape.join(', ')}], got [${labels.shape.join(', ')}]`);
  }
  return composite(() => {
    const predicted = reshape(narrow(logits, 1, 0, s - 1), [b * (s - 1), v]);
    const targets = reshape(narrow(labels, 1, 1, s - 1).contiguous(), [b * (s - 1)]);
    return crossEntropy(predicted, targets, { ignoreIndex: -100 });
  });
}
