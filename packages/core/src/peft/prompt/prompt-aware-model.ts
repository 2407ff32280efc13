import type { ModelInputs, ModelOutput, PretrainedModel } from '../../models/pretrained-model.js';
import type { PromptEncoder } from './prompt-encoder.js';

/**
 * A base model that places a prompt-learning adapter's virtual tokens itself, because the generic
 * placement (in front of the input, or as every layer's past keys and values) does not fit its
 * layout: an encoder-decoder (T5) takes prompt tokens in front of the encoder and a prefix in the
 * decoder's self-attention only, as Hugging Face PEFT's `PeftModelForSeq2SeqLM`. `promptForward`
 * hands such a model the encoder and the inputs unchanged.
 *
 * @example
 * ```ts
 * class MyEncoderDecoder extends Module implements PromptAwareModel {
 *   forwardWithPrompt(encoder: PromptEncoder, inputs: ModelInputs): ModelOutput { … }
 * }
 * ```
 */
export interface PromptAwareModel extends PretrainedModel {
  /** The forward with `encoder`'s virtual tokens placed as the model's family does it. */
  forwardWithPrompt(encoder: PromptEncoder, inputs: ModelInputs): ModelOutput;
}

/**
 * Whether `model` places virtual tokens itself ({@link PromptAwareModel}).
 *
 * @example
 * ```ts
 * if (isPromptAwareModel(model)) return model.forwardWithPrompt(encoder, inputs);
 * ```
 */
export function isPromptAwareModel(model: PretrainedModel): model is PromptAwareModel {
  return 'forwardWithPrompt' in model && typeof model.forwardWithPrompt === 'function';
}
