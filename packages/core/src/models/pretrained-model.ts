import type { Embedding } from '../nn/embedding.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';
import type { KVCache } from './kv-cache.js';

/**
 * What a model's forward accepts. Besides token ids it takes the two hooks the prompt-learning methods
 * build on, so those methods wrap a model without changing it:
 *
 * - `inputsEmbeds` replaces the embedding lookup (prompt tuning and p-tuning prepend learned vectors
 *   to `model.getInputEmbeddings().forward(ids)` and pass the result here);
 * - `pastKeyValues` gives every attention layer keys and values to attend over before the inputs
 *   (prefix tuning fills it with its prefix; generation with the positions already processed).
 *
 * `attentionMask` covers the cached positions and the inputs (`[batch, past + seq]`, 1 = attend,
 * 0 = padding). Without `positionIds` the inputs take positions `past, past + 1, …`.
 *
 * @example
 * ```ts
 * const out = model.forward({ inputIds: ids, attentionMask: mask });
 * const prompt = model.forward({ inputsEmbeds: concat([virtual, model.getInputEmbeddings().forward(ids)], 1) });
 * ```
 */
export interface ModelInputs {
  /** Token ids, i32 `[batch, seq]`. Give this or `inputsEmbeds`. */
  readonly inputIds?: Tensor;
  /** Input vectors `[batch, seq, hidden]` used instead of looking up `inputIds`. */
  readonly inputsEmbeds?: Tensor;
  /** `[batch, past + seq]` of 1 (attend) and 0 (padding); any numeric or bool dtype. */
  readonly attentionMask?: Tensor;
  /** Position of each input token, i32 `[batch, seq]`. */
  readonly positionIds?: Tensor;
  /** Segment ids for encoders that have them (BERT), i32 `[batch, seq]`. */
  readonly tokenTypeIds?: Tensor;
  /** Keys and values to attend over before the inputs; updated in place with the inputs' own. */
  readonly pastKeyValues?: KVCache;
  /** Targets: next-token ids for a causal LM (shifted inside, -100 ignored), class ids for a classifier. */
  readonly labels?: Tensor;
  /**
   * `false` asks a language model for the loss alone: with `labels`, it computes its head and the
   * cross-entropy in chunks of tokens (`linearCrossEntropy`), so the `[tokens, vocab]` logits never
   * exist, and reading the output's `logits` throws. What a training step wants; the loss and its
   * gradients equal the default path's up to float32 rounding. Default `true`. Models without a
   * vocabulary head (classifiers) and heads wrapped by an adapter ignore it and return logits.
   */
  readonly returnLogits?: boolean;
}

/**
 * What a model's forward returns.
 *
 * @example
 * ```ts
 * const { logits, loss } = model.forward({ inputIds: ids, labels: ids });
 * ```
 */
export interface ModelOutput {
  /** `[batch, seq, vocab]` for a language model, `[batch, numLabels]` for a classifier (not computed with `returnLogits: false`). */
  readonly logits: Tensor;
  /** The mean loss over the labels, when `labels` were given. */
  readonly loss?: Tensor;
  /** The cache that was passed in, now holding the inputs' keys and values too. */
  readonly pastKeyValues?: KVCache;
}

/**
 * The facts about a base model's shape that methods and generation need, independent of the
 * architecture's own config field names.
 *
 * @example
 * ```ts
 * const { numLayers, numKeyValueHeads, headDim } = model.info;
 * ```
 */
export interface ModelInfo {
  /** transformers' `model_type` (`gpt2`, `llama`, `bert`, …). */
  readonly modelType: string;
  /** The head the model carries: next-token prediction, sequence classification, an encoder-decoder's language-model head, or none. */
  readonly task: 'causal-lm' | 'sequence-classification' | 'seq2seq-lm' | 'base';
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numAttentionHeads: number;
  /** Key/value heads (fewer than attention heads under grouped-query attention). */
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly maxPositions: number;
  /** Whether positions index a learned table of `maxPositions` rows (GPT-2, BERT), so later positions cannot exist; rotary models extrapolate. */
  readonly learnedPositions: boolean;
  /** Whether attention is causal (a decoder). */
  readonly isDecoder: boolean;
  readonly bosTokenId?: number;
  /** End-of-sequence ids (generation stops on any of them). */
  readonly eosTokenIds: readonly number[];
  readonly padTokenId?: number;
  /** Dotted path of the input embedding module (`transformer.wte`, `model.embed_tokens`). */
  readonly embeddingPath: string;
  /** Dotted path of the output head that `all-linear` targeting skips (`lm_head`, `classifier`), if any. */
  readonly outputHeadPath?: string;
}

/**
 * The protocol every base model implements: a {@link Module} whose parameter paths equal
 * transformers', with one forward over {@link ModelInputs}.
 *
 * @example
 * ```ts
 * function logitsOf(model: PretrainedModel, ids: Tensor): Tensor {
 *   return model.forward({ inputIds: ids }).logits;
 * }
 * ```
 */
export interface PretrainedModel extends Module {
  readonly info: ModelInfo;
  /** The parsed `config.json` the model was built from. */
  readonly config: Readonly<Record<string, unknown>>;
  forward(inputs: ModelInputs): ModelOutput;
  /** The token embedding table (what prompt tuning initialises from and prepends to). */
  getInputEmbeddings(): Embedding;
}
