import { ConfigError } from '@peft/core';
import { type ActivationName, checkActivation } from '../activation.js';
import { ConfigReader } from '../config-reader.js';

/** The rotary embedding variants {@link parseLlamaConfig} accepts (transformers' `rope_type`). @example `SUPPORTED_ROPE_TYPES.includes('yarn')` */
export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'dynamic', 'llama3', 'yarn', 'longrope'] as const;

/**
 * A `rope_type` from {@link SUPPORTED_ROPE_TYPES}.
 *
 * @example
 * ```ts
 * const t: RopeType = 'llama3';
 * ```
 */
export type RopeType = (typeof SUPPORTED_ROPE_TYPES)[number];

/**
 * How rotary position embeddings are built: the base `theta` and the scaling variant's parameters
 * (`rope_scaling` of transformers 4, `rope_parameters` of transformers 5), snake_case keys kept.
 *
 * @example
 * ```ts
 * const rope: RopeConfig = { ropeType: 'linear', theta: 10000, params: { factor: 2 } };
 * ```
 */
export interface RopeConfig {
  readonly ropeType: RopeType;
  /** `rope_theta`. */
  readonly theta: number;
  /** The scaling fields (`factor`, `low_freq_factor`, `beta_fast`, `long_factor`, …) as they appear in the file. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Where the parameters came from, for messages. */
  readonly where?: string;
}

/**
 * The fields of a LLaMA-family `config.json` (`llama`, `mistral`, `qwen2`; SmolLM is `llama`), camel-cased.
 *
 * @example
 * ```ts
 * const c = parseLlamaConfig(new ConfigReader(json)); // c.hiddenSize, c.numKeyValueHeads, c.rope, …
 * ```
 */
export interface LlamaConfig {
  readonly modelType: 'llama' | 'mistral' | 'qwen2';
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  /** Key/value heads (grouped-query attention when fewer than `numAttentionHeads`). */
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly hiddenAct: ActivationName;
  readonly maxPositionEmbeddings: number;
  readonly rmsNormEps: number;
  readonly rope: RopeConfig;
  /** Whether q/k/v/o projections carry biases (qwen2: q, k and v do, o does not). */
  readonly attentionBias: boolean;
  /** Whether o_proj carries a bias. */
  readonly outputBias: boolean;
  readonly mlpBias: boolean;
  readonly tieWordEmbeddings: boolean;
  readonly bosTokenId?: number;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId?: number;
  readonly attentionDropout: number;
  /** Sliding attention window (keys closer than this many positions), per layer; undefined = full attention. */
  readonly slidingWindows: readonly (number | undefined)[];
}

const MODEL_TYPES = ['llama', 'mistral', 'qwen2'] as const;

/**
 * Reads and validates a LLaMA, Mistral or Qwen2 config with transformers' defaults, in the layout of
 * transformers 4 (`rope_theta`, `rope_scaling`, `torch_dtype`) or 5 (`rope_parameters`, `dtype`).
 * Unknown `rope_type` values and inconsistent sizes are ConfigErrors naming the field.
 *
 * @example
 * ```ts
 * const config = parseLlamaConfig(new ConfigReader({ model_type: 'llama', hidden_size: 64, num_attention_heads: 4,
 *   intermediate_size: 128, num_hidden_layers: 2, vocab_size: 100 }));
 * ```
 */
export function parseLlamaConfig(r: ConfigReader): LlamaConfig {
  const modelType = r.str('model_type', 'llama');
  if (!(MODEL_TYPES as readonly string[]).includes(modelType)) r.fail('model_type', `one of ${MODEL_TYPES.join(', ')}`, modelType);
  const type = modelType as LlamaConfig['modelType'];
  const qwen = type === 'qwen2';
  const mistral = type === 'mistral';
  const hiddenSize = r.int('hidden_size', 4096);
  const numAttentionHeads = r.int('num_attention_heads', 32);
  const numKeyValueHeads = r.int('num_key_value_heads', mistral ? 8 : numAttentionHeads);
  if (numAttentionHeads % numKeyValueHeads !== 0) r.fail('num_key_value_heads', `a divisor of num_attention_heads (${numAttentionHeads})`, numKeyValueHeads);
  if (!r.has('head_dim') && hiddenSize % numAttentionHeads !== 0) r.fail('hidden_size', `a multiple of num_attention_heads (${numAttentionHeads}) when head_dim is absent`, hiddenSize);
  const headDim = r.int('head_dim', hiddenSize / numAttentionHeads);
  if (headDim % 2 !== 0) r.fail('head_dim', 'an even number (rotary embeddings rotate pairs)', headDim);
  const numHiddenLayers = r.int('num_hidden_layers', 32);
  const maxPositionEmbeddings = r.int('max_position_embeddings', mistral ? 4096 * 32 : qwen ? 32768 : 2048);
  const attentionBias = qwen ? true : r.bool('attention_bias', false);
  const dtype = r.has('dtype') ? r.str('dtype') : r.has('torch_dtype') ? r.str('torch_dtype') : undefined;
  if (dtype !== undefined && !['float32', 'float16', 'bfloat16'].includes(dtype)) r.fail(r.has('dtype') ? 'dtype' : 'torch_dtype', 'float32, float16 or bfloat16', dtype);
  return {
    modelType: type,
    vocabSize: r.int('vocab_size', qwen ? 151936 : 32000),
    hiddenSize,
    intermediateSize: r.int('intermediate_size', qwen ? 22016 : mistral ? 14336 : 11008),
    numHiddenLayers,
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    hiddenAct: checkActivation(r.str('hidden_act', 'silu'), 'hidden_act', r.where),
    maxPositionEmbeddings,
    rmsNormEps: r.num('rms_norm_eps', 1e-6),
    rope: parseRope(r),
    attentionBias,
    outputBias: qwen ? false : attentionBias,
    mlpBias: qwen || mistral ? false : r.bool('mlp_bias', false),
    tieWordEmbeddings: r.bool('tie_word_embeddings', false),
    bosTokenId: r.optionalIndex('bos_token_id'),
    eosTokenIds: r.ids('eos_token_id'),
    padTokenId: r.optionalIndex('pad_token_id'),
    attentionDropout: r.num('attention_dropout', 0),
    slidingWindows: slidingWindows(r, type, numHiddenLayers),
  };
}

/**
 * Per-layer sliding windows as transformers sets them. Mistral: every layer (`sliding_window` absent
 * means 4096, null means none). Qwen2: only with `use_sliding_window`, on the layers `layer_types`
 * marks `sliding_attention`, or without it on layers from `max_window_layers` (default 28).
 */
function slidingWindows(r: ConfigReader, type: LlamaConfig['modelType'], layers: number): (number | undefined)[] {
  const none = new Array<number | undefined>(layers).fill(undefined);
  if (type === 'llama') return none;
  if (type === 'mistral') {
    if (r.raw.sliding_window === null) return none;
    const window = r.int('sliding_window', 4096);
    return none.map(() => window);
  }
  if (!r.bool('use_sliding_window', false) || !r.has('sliding_window')) return none;
  const window = r.int('sliding_window');
  const types = r.raw.layer_types;
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length !== layers || types.some((t) => t !== 'sliding_attention' && t !== 'full_attention')) {
      r.fail('layer_types', `a list of ${layers} entries, each "full_attention" or "sliding_attention"`, types);
    }
    return types.map((t) => (t === 'sliding_attention' ? window : undefined));
  }
  const from = r.has('max_window_layers') ? r.index('max_window_layers') : 28;
  return none.map((_, i) => (i >= from ? window : undefined));
}

/** `rope_parameters` (transformers 5) or `rope_theta` + `rope_scaling` (transformers 4). */
function parseRope(r: ConfigReader): RopeConfig {
  const v5 = r.object('rope_parameters');
  const scaling = v5 ?? r.object('rope_scaling');
  const theta = v5?.has('rope_theta') ? v5.num('rope_theta') : r.num('rope_theta', 10000);
  if (theta <= 0) r.fail('rope_theta', 'a positive number', theta);
  if (!scaling) return { ropeType: 'default', theta, params: {} };
  const field = v5 ? 'rope_parameters' : 'rope_scaling';
  const typeKey = scaling.has('rope_type') ? 'rope_type' : scaling.has('type') ? 'type' : undefined;
  let ropeType = typeKey ? scaling.str(typeKey) : 'default';
  if (ropeType === 'su') ropeType = 'longrope';
  if (!(SUPPORTED_ROPE_TYPES as readonly string[]).includes(ropeType)) {
    throw new ConfigError(`${r.where}: "${field}.${typeKey ?? 'rope_type'}" ${JSON.stringify(ropeType)} is not supported; supported rope types: ${SUPPORTED_ROPE_TYPES.join(', ')}`);
  }
  const params: Record<string, unknown> = { ...scaling.raw };
  // phi3-style files keep original_max_position_embeddings at the top level
  // phi3-style files keep original_max_position_embeddings at the top level; transformers prefers that one
  if (r.has('original_max_position_embeddings') && ['llama3', 'yarn', 'longrope'].includes(ropeType)) {
    params.original_max_position_embeddings = r.int('original_max_position_embeddings');
  }
  if (params.partial_rotary_factor !== undefined && params.partial_rotary_factor !== 1) {
    throw new ConfigError(`${r.where}: "${field}.partial_rotary_factor" must be 1 for the LLaMA family (every head dimension is rotated), got ${JSON.stringify(params.partial_rotary_factor)}`);
  }
  const rope: RopeConfig = { ropeType: ropeType as RopeType, theta, params, where: `${r.where} field "${field}"` };
  validateRope(rope, new ConfigReader(params, rope.where));
  return rope;
}

function validateRope(rope: RopeConfig, p: ConfigReader): void {
  const positive = (name: string): void => {
    if (p.num(name) <= 0) p.fail(name, 'a positive number', p.raw[name]);
  };
  switch (rope.ropeType) {
    case 'linear':
    case 'dynamic':
      positive('factor');
      break;
    case 'llama3':
      positive('factor');
      positive('low_freq_factor');
      positive('high_freq_factor');
      if (p.has('original_max_position_embeddings')) p.int('original_max_position_embeddings');
      if (p.num('high_freq_factor') <= p.num('low_freq_factor')) p.fail('high_freq_factor', `greater than low_freq_factor (${p.num('low_freq_factor')})`, p.raw.high_freq_factor);
      break;
    case 'yarn':
      if (p.has('factor')) positive('factor');
      for (const k of ['attention_factor', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim']) if (p.has(k)) p.num(k);
      if (p.has('original_max_position_embeddings')) p.int('original_max_position_embeddings');
      if (p.has('truncate')) p.bool('truncate');
      break;
    case 'longrope': {
      for (const k of ['long_factor', 'short_factor']) {
        const v = p.raw[k];
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) p.fail(k, 'a list of numbers', v);
      }
      if (p.has('factor')) positive('factor');
      if (p.has('attention_factor')) p.num('attention_factor');
      if (p.has('original_max_position_embeddings')) p.int('original_max_position_embeddings');
      break;
    }
    default:
      break;
  }
}
