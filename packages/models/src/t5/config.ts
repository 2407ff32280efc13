import { ConfigError } from '@peft/core';
import { type ActivationName, checkActivation } from '../activation.js';
import type { ConfigReader } from '../config-reader.js';

/**
 * The fields of a T5-family `config.json` the model uses, with transformers' defaults. Original T5
 * uses a ReLU feed-forward and a head tied to the token table (scaled by `dModel ** -0.5`); T5 v1.1,
 * FLAN-T5 and mT5 use a gated GELU feed-forward and an untied head.
 *
 * @example
 * ```ts
 * const c: T5Config = parseT5Config(new ConfigReader(json));
 * c.isGatedAct; // true for FLAN-T5 ("gated-gelu")
 * ```
 */
export interface T5Config {
  readonly modelType: 't5' | 'mt5';
  readonly vocabSize: number;
  readonly dModel: number;
  /** Per-head size of keys, queries and values (`d_kv`); heads · dKv need not equal dModel. */
  readonly dKv: number;
  readonly dFf: number;
  /** Encoder layers (`num_layers`). */
  readonly numLayers: number;
  /** Decoder layers (`num_decoder_layers`, default `num_layers`). */
  readonly numDecoderLayers: number;
  readonly numHeads: number;
  readonly relativeAttentionNumBuckets: number;
  readonly relativeAttentionMaxDistance: number;
  readonly dropoutRate: number;
  readonly layerNormEpsilon: number;
  /** The feed-forward activation (`relu` for T5, `gelu_new` for "gated-gelu"). */
  readonly denseActFn: ActivationName;
  /** Whether the feed-forward is gated (`wi_0`, `wi_1`, `wo`) rather than `wi`, `wo`. */
  readonly isGatedAct: boolean;
  /** Whether `lm_head` shares `shared.weight`. */
  readonly tieWordEmbeddings: boolean;
  /** Whether the decoder output is scaled by `dModel ** -0.5` before the head (original T5's tied head). */
  readonly scaleDecoderOutputs: boolean;
  readonly decoderStartTokenId: number;
  readonly padTokenId: number;
  readonly eosTokenIds: readonly number[];
}

/**
 * Reads a T5 / mT5 `config.json`. `feed_forward_proj` is `relu`, `gelu`, `gated-gelu`, `gated-relu`,
 * … as transformers accepts (`gated-gelu` means the tanh GELU). UMT5 (a per-layer relative bias) and
 * other encoder-decoders get a ConfigError naming them.
 *
 * @example
 * ```ts
 * const c = parseT5Config(new ConfigReader(JSON.parse(text), 't5/config.json'));
 * ```
 */
/** The most layers a T5 stack may have (published T5 models have at most 24 per stack). */
const MAX_LAYERS = 1024;
/** The most relative-position buckets (published T5 models use 32): each is a row of the bias table. */
const MAX_BUCKETS = 65536;

export function parseT5Config(r: ConfigReader): T5Config {
  const type = r.str('model_type', 't5');
  if (type === 'umt5') {
    throw new ConfigError(
      `${r.where}: UMT5 (model_type "umt5") is not supported: it gives every layer its own relative attention bias, and @peft/models builds the T5 layout (the first layer's bias shared by the others); T5, FLAN-T5 and mT5 are supported`,
    );
  }
  if (type !== 't5' && type !== 'mt5') r.fail('model_type', '"t5" or "mt5"', type);
  const proj = r.str('feed_forward_proj', 'relu');
  const parts = proj.split('-');
  const isGated = parts[0] === 'gated';
  if ((isGated && parts.length !== 2) || (!isGated && parts.length !== 1)) {
    throw new ConfigError(`${r.where}: expected "feed_forward_proj" to be an activation or "gated-<activation>" (relu, gated-gelu), got ${JSON.stringify(proj)}`);
  }
  const act = parts[parts.length - 1];
  // transformers maps "gated-gelu" to the tanh approximation
  const denseActFn = checkActivation(proj === 'gated-gelu' ? 'gelu_new' : act, 'feed_forward_proj', r.where);
  // layer counts become loops of module construction: far past any published model is a broken file
  const numLayers = r.int('num_layers', 6, MAX_LAYERS);
  const numHeads = r.int('num_heads', 8);
  const dModel = r.int('d_model', 512);
  const tie = r.bool('tie_word_embeddings', true);
  return {
    modelType: type,
    vocabSize: r.int('vocab_size', 32128),
    dModel,
    dKv: r.int('d_kv', 64),
    dFf: r.int('d_ff', 2048),
    numLayers,
    numDecoderLayers: r.int('num_decoder_layers', numLayers, MAX_LAYERS),
    numHeads,
    relativeAttentionNumBuckets: r.int('relative_attention_num_buckets', 32, MAX_BUCKETS),
    relativeAttentionMaxDistance: r.int('relative_attention_max_distance', 128),
    dropoutRate: r.num('dropout_rate', 0.1),
    layerNormEpsilon: r.num('layer_norm_epsilon', 1e-6),
    denseActFn,
    isGatedAct: isGated,
    tieWordEmbeddings: tie,
    // transformers 5 writes the scaling as its own key (and always ties); 4.x files scale a tied head
    scaleDecoderOutputs: r.bool('scale_decoder_outputs', tie),
    decoderStartTokenId: r.index('decoder_start_token_id', 0),
    padTokenId: r.index('pad_token_id', 0),
    eosTokenIds: r.has('eos_token_id') ? r.ids('eos_token_id') : [1],
  };
}
