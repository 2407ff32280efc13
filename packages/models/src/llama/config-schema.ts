import * as v from 'valibot';
import { COMMON_CONFIG_ENTRIES, CONFIG_FIELD } from '../config-schema-fields.js';

/** `rope_scaling` / `rope_parameters`: the type and its numbers (each rope type reads its own; the rope code checks which it needs). */
const ROPE = v.nullish(
  v.object({
    rope_type: CONFIG_FIELD.string,
    type: CONFIG_FIELD.string,
    rope_theta: CONFIG_FIELD.finite,
    factor: CONFIG_FIELD.finite,
    original_max_position_embeddings: CONFIG_FIELD.positiveInt,
    low_freq_factor: CONFIG_FIELD.finite,
    high_freq_factor: CONFIG_FIELD.finite,
    attention_factor: CONFIG_FIELD.finite,
    beta_fast: CONFIG_FIELD.finite,
    beta_slow: CONFIG_FIELD.finite,
    mscale: CONFIG_FIELD.finite,
    mscale_all_dim: CONFIG_FIELD.finite,
    truncate: CONFIG_FIELD.bool,
    short_factor: v.nullish(v.array(v.number())),
    long_factor: v.nullish(v.array(v.number())),
  }),
);

/**
 * The fields of a LLaMA-family (LLaMA, Mistral, Qwen2) `config.json` that the model reads, with their
 * types. Not strict: unread keys are ignored, as transformers does.
 *
 * @example
 * ```ts
 * validateShape(LLAMA_CONFIG_SCHEMA, json, { file: 'llama/config.json', error: 'config' });
 * ```
 */
export const LLAMA_CONFIG_SCHEMA = v.object({
  ...COMMON_CONFIG_ENTRIES,
  hidden_size: CONFIG_FIELD.positiveInt,
  intermediate_size: CONFIG_FIELD.positiveInt,
  num_hidden_layers: CONFIG_FIELD.positiveInt,
  num_attention_heads: CONFIG_FIELD.positiveInt,
  num_key_value_heads: CONFIG_FIELD.positiveInt,
  head_dim: CONFIG_FIELD.positiveInt,
  max_position_embeddings: CONFIG_FIELD.positiveInt,
  hidden_act: CONFIG_FIELD.string,
  rms_norm_eps: CONFIG_FIELD.finite,
  rope_theta: CONFIG_FIELD.finite,
  rope_scaling: ROPE,
  rope_parameters: ROPE,
  attention_bias: CONFIG_FIELD.bool,
  mlp_bias: CONFIG_FIELD.bool,
  attention_dropout: CONFIG_FIELD.finite,
  use_sliding_window: CONFIG_FIELD.bool,
  sliding_window: CONFIG_FIELD.positiveInt,
  max_window_layers: CONFIG_FIELD.nonNegativeInt,
});
