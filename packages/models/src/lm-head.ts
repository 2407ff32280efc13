import { Linear, type LayerOptions, type ModelInputs, type ModelOutput, type Parameter, type Tensor } from '@peft/core';
import { causalLMLoss } from './causal-lm-loss.js';

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
 * next-token loss when `inputs.labels` are given, and the cache that was passed in.
 *
 * @example
 * ```ts
 * forward(inputs: ModelInputs): ModelOutput {
 *   return causalLMOutput(this.lm_head, this.transformer.forward(inputs), inputs);
 * }
 * ```
 */
export function causalLMOutput(head: Linear, hidden: Tensor, inputs: ModelInputs): ModelOutput {
  const logits = head.forward(hidden);
  return { logits, loss: inputs.labels ? causalLMLoss(logits, inputs.labels) : undefined, pastKeyValues: inputs.pastKeyValues };
}
