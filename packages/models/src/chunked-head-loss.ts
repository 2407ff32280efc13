import { Linear, ShapeError, type Tensor } from '@peft/core';
import { composite, linearCrossEntropy, narrow, reshape } from '@peft/core/plugin';

/**
 * Whether a model's output head is a plain `Linear`, whose weight and bias the chunked loss can
 * use directly (a head wrapped by an adapter or a modules-to-save copy runs its own forward instead).
 *
 * @example
 * ```ts
 * if (inputs.returnLogits === false && isPlainLinear(this.lm_head)) { ... }
 * ```
 */
export function isPlainLinear(head: unknown): head is Linear {
  return head instanceof Linear && Object.getPrototypeOf(head) === Linear.prototype;
}

/**
 * A language model's cross-entropy straight from its last hidden states `[batch, seq, hidden]` and a
 * plain linear head, in chunks of tokens (`linearCrossEntropy` from `@peft/core/plugin`), so the
 * `[batch·seq, vocab]` logits never exist. With `shift` (a causal LM) position `t` predicts
 * `labels[t + 1]`; without (an encoder-decoder) position `t` predicts `labels[t]`. Labels of -100 are
 * skipped and the mean runs over the rest: the same loss as the head's logits through
 * `causalLMLoss` / `crossEntropy`, up to float32 rounding.
 *
 * @example
 * ```ts
 * const loss = chunkedHeadLoss(this.lm_head, hidden, inputs.labels, { shift: true });
 * ```
 */
export function chunkedHeadLoss(head: Linear, hidden: Tensor, labels: Tensor, opts: { shift: boolean; chunkSize?: number }): Tensor {
  const [b, s, d] = hidden.shape;
  if (labels.rank !== 2 || labels.shape[0] !== b || labels.shape[1] !== s) {
    throw new ShapeError(`chunkedHeadLoss: expected labels [${b}, ${s}] to match the hidden states [${hidden.shape.join(', ')}], got [${labels.shape.join(', ')}]`);
  }
  const n = opts.shift ? s - 1 : s;
  return composite(() => {
    const h = reshape(opts.shift ? narrow(hidden, 1, 0, n).contiguous() : hidden, [b * n, d]);
    const t = reshape((opts.shift ? narrow(labels, 1, 1, n) : labels).contiguous(), [b * n]);
    return linearCrossEntropy(h, head.weight, t, head.bias, { ignoreIndex: -100, chunkSize: opts.chunkSize });
  });
}
