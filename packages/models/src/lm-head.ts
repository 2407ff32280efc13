import { Linear, type LayerOptions, type ModelInputs, type ModelOutput, type Parameter, type Tensor } from '@peft/core';
import { causalLMLoss } from './causal-lm-loss.js';
import { chunkedHeadLoss, isPlainLinear } from './chunked-head-loss.js';
import { lossOnlyOutput } from './loss-only-output.js';

/**
 * A causal LM's output head `[hidden] → [vocab]` without bias, sharing `tiedTo` (the token embedding
 * table) as its weight when the config ties them.
 *
 * @example
 * ```ts
 * this.lm_head = this.registerModule('lm_head', lmHead(768, 50257, wte.weight, opts));
 * ```
 */
export function lmHead(hiddenSize: number, vocabSize: number, tiedTo: Parameter | undefined, opts: LayerOptions = {}): Linear {
  return new Linear(hiddenSize, vocabSize, { ...opts, bias: false, sharedWeight: tiedTo });
}

/**
 * A causal LM's forward result from its body's last hidden states: the head's logits, the shifted
 * next-token loss when `inputs.labels` are given, and the cache that was passed in. With labels and
 * `returnLogits: false` (a training step) and a plain linear head, the loss is computed in chunks of
 * tokens without the logits ({@link chunkedHeadLoss}) and the output has no logits.
 *
 * @example
 * ```ts
 * forward(inputs: ModelInputs): ModelOutput {
 *   return causalLMOutput(this.lm_head, this.transformer.forward(inputs), inputs);
 * }
 * ```
 */
export function causalLMOutput(head: Linear, hidden: Tensor, inputs: ModelInputs): ModelOutput {
  if (inputs.labels && inputs.returnLogits === false && isPlainLinear(head)) {
    return lossOnlyOutput<ModelOutput>('causal LM forward', { loss: chunkedHeadLoss(head, hidden, inputs.labels, { shift: true }), pastKeyValues: inputs.pastKeyValues });
  }
  const logits = head.forward(hidden);
  return { logits, loss: inputs.labels ? causalLMLoss(logits, inputs.labels) : undefined, pastKeyValues: inputs.pastKeyValues };
}
