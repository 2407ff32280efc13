import { type ActivationName, checkActivation } from '../activation.js';
import type { ConfigReader } from '../config-reader.js';

/**
 * The fields of a GPT-2 `config.json` the model uses (transformers' `GPT2Config` names, camel-cased).
 *
 * @example
 * ```ts
 * const c = parseGPT2Config(new ConfigReader(json)); // c.nEmbd, c.nHead, …
 * ```
 */
export interface GPT2Config {
  readonly vocabSize: number;
  readonly nPositions: number;
  readonly nEmbd: number;
  readonly nLayer: number;
  readonly nHead: number;
  /** MLP width (`n_inner`, default 4 × n_embd). */
  readonly nInner: number;
  readonly activation: ActivationName;
  readonly layerNormEpsilon: number;
  readonly scaleAttnWeights: boolean;
  readonly scaleAttnByInverseLayerIdx: boolean;
  readonly bosTokenId?: number;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId?: number;
  readonly tieWordEmbeddings: boolean;
  /** Dropout on embeddings, attention probabilities and residual branches. */
  readonly embdPdrop: number;
  readonly attnPdrop: number;
  readonly residPdrop: number;
}

/**
 * Reads and validates a GPT-2 config (transformers' defaults for absent fields).
 *
 * @example
 * ```ts
 * const config = parseGPT2Config(new ConfigReader({ n_embd: 128, n_layer: 4, n_head: 4, vocab_size: 512 }));
 * ```
 */
export function parseGPT2Config(r: ConfigReader): GPT2Config {
  const nEmbd = r.int('n_embd', 768);
  const nHead = r.int('n_head', 12);
  if (nEmbd % nHead !== 0) r.fail('n_embd', `a multiple of n_head (${nHead})`, nEmbd);
  const activation = checkActivation(r.str('activation_function', 'gelu_new'), 'activation_function', r.where);
  return {
    vocabSize: r.int('vocab_size', 50257),
    nPositions: r.int('n_positions', 1024),
    nEmbd,
    nLayer: r.int('n_layer', 12),
    nHead,
    nInner: r.int('n_inner', 4 * nEmbd),
    activation,
    layerNormEpsilon: r.num('layer_norm_epsilon', 1e-5),
    scaleAttnWeights: r.bool('scale_attn_weights', true),
    scaleAttnByInverseLayerIdx: r.bool('scale_attn_by_inverse_layer_idx', false),
    bosTokenId: r.optionalIndex('bos_token_id'),
    eosTokenIds: r.ids('eos_token_id'),
    padTokenId: r.optionalIndex('pad_token_id'),
    tieWordEmbeddings: r.bool('tie_word_embeddings', true),
    embdPdrop: r.num('embd_pdrop', 0.1),
    attnPdrop: r.num('attn_pdrop', 0.1),
    residPdrop: r.num('resid_pdrop', 0.1),
  };
}
