import {
  ArgumentError,
  Embedding,
  Module,
  crossEntropy,
  type Linear,
  type LayerOptions,
  type ModelInfo,
  type ModelInputs,
  type PretrainedModel,
  type Tensor,
} from '@peft/core';
import { composite, reshape, type PromptEncoder } from '@peft/core/plugin';
import { chunkedHeadLoss, isPlainLinear } from '../chunked-head-loss.js';
import { lmHead } from '../lm-head.js';
import { lossOnlyOutput } from '../loss-only-output.js';
import type { EncoderOutput, Seq2SeqInputs, Seq2SeqOutput } from '../seq2seq/seq2seq-inputs.js';
import { shiftTokensRight } from '../seq2seq/shift-tokens-right.js';
import type { T5Config } from './config.js';
import { initT5Weights } from './init-weights.js';
import { t5PromptForward } from './prompt-forward.js';
import { T5Stack } from './stack.js';

/**
 * T5 with its language-model head (transformers' `T5ForConditionalGeneration`), for original T5,
 * T5 v1.1, FLAN-T5 and mT5 checkpoints: `shared` token table, `encoder` and `decoder` stacks,
 * `lm_head`. With a tied head (original T5) the decoder output is scaled by `dModel ** -0.5` before
 * it. Without decoder inputs, the labels shifted right (`decoder_start_token_id` first, -100 → pad)
 * are fed to the decoder, and the loss is the cross-entropy over the labels, -100 ignored.
 *
 * Prompt-learning adapters reach it through {@link T5ForConditionalGeneration.forwardWithPrompt}, with
 * PEFT's seq2seq layout: prompt tuning and p-tuning put their virtual tokens in front of the encoder
 * input; prefix tuning gives the decoder's self-attention the prefix keys and values (the encoder and
 * the cross-attention see none, as PEFT 0.21 with transformers 5 runs it).
 *
 * @example
 * ```ts
 * const t5 = await loadPretrained(directorySource('./flan-t5-small')) as T5ForConditionalGeneration;
 * const { logits, loss } = t5.forward({ inputIds, attentionMask, labels });
 * ```
 */
export class T5ForConditionalGeneration extends Module implements PretrainedModel {
  readonly shared: Embedding;
  readonly encoder: T5Stack;
  readonly decoder: T5Stack;
  readonly lm_head: Linear;
  readonly info: ModelInfo;

  constructor(
    readonly t5Config: T5Config,
    readonly config: Readonly<Record<string, unknown>> = {},
    opts: LayerOptions = {},
  ) {
    super();
    const c = t5Config;
    const build = { ...opts, skipInit: true };
    this.shared = this.registerModule('shared', new Embedding(c.vocabSize, c.dModel, build));
    this.encoder = this.registerModule('encoder', new T5Stack(c, this.shared, { ...build, isDecoder: false }));
    this.decoder = this.registerModule('decoder', new T5Stack(c, this.shared, { ...build, isDecoder: true }));
    this.lm_head = this.registerModule('lm_head', lmHead(c.dModel, c.vocabSize, c.tieWordEmbeddings ? this.shared.weight : undefined, build));
    if (!opts.skipInit) initT5Weights(this, c, opts.generator);
    this.info = {
      modelType: c.modelType,
      task: 'seq2seq-lm',
      vocabSize: c.vocabSize,
      hiddenSize: c.dModel,
      numLayers: c.numLayers,
      numAttentionHeads: c.numHeads,
      numKeyValueHeads: c.numHeads,
      headDim: c.dKv,
      maxPositions: Number.MAX_SAFE_INTEGER,
      learnedPositions: false,
      isDecoder: false,
      eosTokenIds: c.eosTokenIds,
      padTokenId: c.padTokenId,
      embeddingPath: 'shared',
      outputHeadPath: 'lm_head',
    };
  }

  /**
   * Runs the encoder on the inputs only: the `[batch, seq, dModel]` hidden state generation reuses.
   *
   * @example
   * ```ts
   * const encoded = t5.encode({ inputIds, attentionMask });
   * ```
   */
  encode(inputs: ModelInputs): EncoderOutput {
    return { lastHiddenState: this.encoder.forward(inputs), attentionMask: inputs.attentionMask };
  }

  /** Decoder logits `[batch, targetSeq, vocab]`, the loss with `labels` (alone, computed in chunks of tokens, with `returnLogits: false`), and the encoder output. @example `t5.forward({ inputIds, labels })` */
  forward(inputs: Seq2SeqInputs): Seq2SeqOutput {
    const c = this.t5Config;
    let encoderOutputs: EncoderOutput | undefined;
    const lossOnly = inputs.labels !== undefined && inputs.returnLogits === false && isPlainLinear(this.lm_head);
    const out = composite(() => {
      encoderOutputs = inputs.encoderOutputs ?? this.encode(inputs);
      let decoderIds = inputs.decoderInputIds;
      if (!decoderIds && !inputs.decoderInputsEmbeds) {
        if (!inputs.labels) throw new ArgumentError('T5ForConditionalGeneration: expected decoderInputIds, decoderInputsEmbeds or labels (shifted right into decoder inputs), got none');
        decoderIds = shiftTokensRight(inputs.labels, c.decoderStartTokenId, c.padTokenId);
      }
      let hidden = this.decoder.forward({
        inputIds: decoderIds,
        inputsEmbeds: decoderIds ? undefined : inputs.decoderInputsEmbeds,
        attentionMask: inputs.decoderAttentionMask,
        cache: inputs.pastKeyValues,
        encoderHiddenStates: encoderOutputs.lastHiddenState,
        encoderAttentionMask: encoderOutputs.attentionMask,
        crossCache: inputs.crossAttentionCache,
      });
      // the tied head is rescaled (Mesh TensorFlow's convention)
      if (c.scaleDecoderOutputs) hidden = hidden.mul(c.dModel ** -0.5);
      // a training step's loss straight from the hidden states, in chunks of tokens
      return lossOnly ? chunkedHeadLoss(this.lm_head, hidden, inputs.labels, { shift: false }) : this.lm_head.forward(hidden);
    });
    if (lossOnly) return lossOnlyOutput<Seq2SeqOutput>('T5ForConditionalGeneration', { loss: out, pastKeyValues: inputs.pastKeyValues, encoderOutputs: encoderOutputs! });
    const loss = inputs.labels ? seq2seqLoss(out, inputs.labels) : undefined;
    return { logits: out, loss, pastKeyValues: inputs.pastKeyValues, encoderOutputs: encoderOutputs! };
  }

  /**
   * The forward with a prompt-learning adapter's virtual tokens, in PEFT's seq2seq layout (called by
   * `PeftModel.forward`; see the class comment).
   *
   * @example
   * ```ts
   * const out = t5.forwardWithPrompt(encoder, { inputIds, labels });
   * ```
   */
  forwardWithPrompt(encoder: PromptEncoder, inputs: ModelInputs): Seq2SeqOutput {
    return t5PromptForward(this, encoder, inputs);
  }

  /** @example `t5.getInputEmbeddings().weight.shape` */
  getInputEmbeddings(): Embedding {
    return this.shared;
  }
}

/** Cross-entropy of every decoder position against its label, -100 skipped. */
function seq2seqLoss(logits: Tensor, labels: Tensor): Tensor {
  const [b, s, v] = logits.shape;
  if (labels.rank !== 2 || labels.shape[0] !== b || labels.shape[1] !== s) {
    throw new ArgumentError(`T5ForConditionalGeneration: expected labels [${b}, ${s}] to match the decoder logits [${logits.shape.join(', ')}], got [${labels.shape.join(', ')}]`);
  }
  return composite(() => crossEntropy(reshape(logits, [b * s, v]), reshape(labels.contiguous(), [b * s]), { ignoreIndex: -100 }));
}
