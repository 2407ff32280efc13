import { ArgumentError } from '../../errors.js';
import { KVCache } from '../../models/kv-cache.js';
import type { ModelInputs, ModelOutput, PretrainedModel } from '../../models/pretrained-model.js';
import { ModuleDict } from '../../nn/module-dict.js';
import { full, ones } from '../../ops/creation.js';
import { concat, expand, reshape, unsqueeze } from '../../ops/views.js';
import { composite } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { isPromptAwareModel } from './prompt-aware-model.js';
import type { PromptEncoder } from './prompt-encoder.js';

/**
 * The prompt encoders of a PeftModel by adapter name (PEFT's `prompt_encoder` ModuleDict, so the
 * parameters are named `prompt_encoder.<adapter>.embedding.weight`). `disabled` switches them all off
 * (`disableAdapter`).
 *
 * @example
 * ```ts
 * peft.prompt_encoder?.get('default').forward(); // the virtual tokens
 * ```
 */
export class PromptEncoders extends ModuleDict<PromptEncoder> {
  /** When true, the model runs without virtual tokens. */
  disabled = false;
}

/**
 * Runs `model` with the virtual tokens of `encoder` injected, as Hugging Face PEFT does:
 *
 * - `'prompt'`: the encoder's rows go in front of the input embeddings (`inputsEmbeds`), the attention
 *   mask gains ones for them, causal-LM labels gain `-100` for them; the logits cover the virtual
 *   positions too. In generation, later steps (a cache already holding the prompt) pass the new ids.
 * - `'prefix'`: the rows are split per layer into keys and values `[batch, kvHeads, virtual, headDim]`
 *   and given as `pastKeyValues` (the inputs then take positions after the prefix); the mask gains
 *   ones for the prefix.
 *
 * `positionIds` and `tokenTypeIds` are dropped, as in PEFT. A model that places virtual tokens itself
 * (an encoder-decoder, see {@link PromptAwareModel}) gets the encoder and the inputs as they are.
 *
 * @example
 * ```ts
 * const { logits } = promptForward(model, encoder, { inputIds, attentionMask });
 * ```
 */
export function promptForward(model: PretrainedModel, encoder: PromptEncoder, inputs: ModelInputs): ModelOutput {
  if (isPromptAwareModel(model)) return model.forwardWithPrompt(encoder, inputs);
  const ids = inputs.inputIds;
  const given = ids ?? inputs.inputsEmbeds;
  if (!given) throw new ArgumentError('promptForward: expected inputIds or inputsEmbeds, got neither');
  const [b, seq] = given.shape;
  const backend = given.backend;
  const info = model.info;
  const cache = inputs.pastKeyValues ?? new KVCache(info.numLayers);
  const first = cache.length === 0;
  const rows = encoder.forward();
  const virtual = rows.shape[0];
  const seen = first ? 0 : cache.length - virtual;
  const mask = composite(() => {
    const m = inputs.attentionMask ?? ones([b, seen + seq], { dtype: 'i32', backend });
    return concat([ones([b, virtual], { dtype: m.dtype, backend }), m], 1);
  });
  if (encoder.kind === 'prefix') {
    if (first) fillPrefix(cache, rows, b, model);
    return model.forward({ inputIds: ids, inputsEmbeds: inputs.inputsEmbeds, attentionMask: mask, pastKeyValues: cache, labels: inputs.labels, returnLogits: inputs.returnLogits });
  }
  if (!first) return model.forward({ inputIds: ids, inputsEmbeds: inputs.inputsEmbeds, attentionMask: mask, pastKeyValues: cache });
  const embeds = inputs.inputsEmbeds ?? model.getInputEmbeddings().forward(ids!);
  const prompt = expand(unsqueeze(rows.dtype === embeds.dtype ? rows : rows.cast(embeds.dtype), 0), [b, ...rows.shape]);
  const labels = inputs.labels && info.task === 'causal-lm' ? prefixLabels(inputs.labels, virtual) : inputs.labels;
  return model.forward({ inputsEmbeds: concat([prompt, embeds], 1), attentionMask: mask, pastKeyValues: inputs.pastKeyValues, labels, returnLogits: inputs.returnLogits });
}

function prefixLabels(labels: Tensor, virtual: number): Tensor {
  return composite(() => concat([full([labels.shape[0], virtual], -100, { dtype: labels.dtype, backend: labels.backend }), labels], 1));
}

/** Splits `[virtual, layers·2·kvHeads·headDim]` into each layer's key and value `[batch, kvHeads, virtual, headDim]`. */
function fillPrefix(cache: KVCache, rows: Tensor, batch: number, model: PretrainedModel): void {
  const { numLayers: layers, numKeyValueHeads: heads, headDim } = model.info;
  const [virtual, width] = rows.shape;
  if (width !== layers * 2 * heads * headDim) {
    throw new ArgumentError(
      `prefix tuning: expected prefix rows of width numLayers·2·kvHeads·headDim = ${layers}·2·${heads}·${headDim} = ${layers * 2 * heads * headDim}, got [${rows.shape.join(', ')}]`,
    );
  }
  const pkv = reshape(expand(unsqueeze(rows, 0), [batch, virtual, width]), [batch, virtual, layers * 2, heads, headDim]).permute([2, 0, 3, 1, 4]);
  for (let l = 0; l < layers; l++) {
    const key = pkv.slice([2 * l], [2 * l + 1]).reshape([batch, heads, virtual, headDim]);
    const value = pkv.slice([2 * l + 1], [2 * l + 2]).reshape([batch, heads, virtual, headDim]);
    cache.update(l, key, value);
  }
}
