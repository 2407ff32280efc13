import type { ModelInputs, ModelOutput, Tensor } from '@peft/core';
import type { KVCache } from '@peft/core/plugin';

/**
 * The inputs of an encoder-decoder forward (T5): the encoder's inputs as in `@peft/core`'s `ModelInputs`
 * (`inputIds` or `inputsEmbeds`, `attentionMask`), the decoder's, and what generation hands back
 * between steps. Without decoder inputs, `labels` shifted right (transformers' `_shift_right`)
 * become them. `pastKeyValues` is the decoder self-attention cache (a prefix, or generation's).
 *
 * @example
 * ```ts
 * const { logits, loss } = t5.forward({ inputIds, attentionMask, labels });
 * ```
 */
export interface Seq2SeqInputs extends ModelInputs {
  /** Decoder token ids, i32 `[batch, targetSeq]` (start with `decoder_start_token_id`). */
  readonly decoderInputIds?: Tensor;
  /** Decoder input vectors, instead of `decoderInputIds`. */
  readonly decoderInputsEmbeds?: Tensor;
  /** `[batch, past + targetSeq]` 1/0 mask of the decoder tokens (default: all attended). */
  readonly decoderAttentionMask?: Tensor;
  /** A previous call's encoder output: the encoder is not run again. */
  readonly encoderOutputs?: EncoderOutput;
  /** The cross-attention keys and values of every decoder layer, filled on first use (generation). */
  readonly crossAttentionCache?: KVCache;
}

/**
 * The encoder's result that generation reuses: its last hidden state and the mask over it (which
 * covers virtual tokens a prompt-tuning adapter put in front).
 *
 * @example
 * ```ts
 * const { encoderOutputs } = t5.forward({ inputIds, decoderInputIds }) as Seq2SeqOutput;
 * ```
 */
export interface EncoderOutput {
  /** `[batch, encoderSeq, dModel]`. */
  readonly lastHiddenState: Tensor;
  /** `[batch, encoderSeq]`, or undefined when nothing was masked. */
  readonly attentionMask?: Tensor;
}

/**
 * What an encoder-decoder forward returns: the decoder's logits `[batch, targetSeq, vocab]`, the
 * loss over `labels` (-100 ignored), the caches, and the encoder output to reuse.
 *
 * @example
 * ```ts
 * const out = t5.forward({ inputIds, labels }) as Seq2SeqOutput;
 * out.encoderOutputs.lastHiddenState.shape; // [batch, seq, dModel]
 * ```
 */
export interface Seq2SeqOutput extends ModelOutput {
  readonly encoderOutputs: EncoderOutput;
}
