import * as v from 'valibot';
import { COMMON_CONFIG_ENTRIES, CONFIG_FIELD } from '../config-schema-fields.js';

/**
 * The fields of a GPT-2 `config.json` that the model reads, with their types. Not strict: configs
 * carry many keys the model does not use (as transformers tolerates them), and those are ignored.
 *
 * @example
 * ```ts
 * validateShape(GPT2_CONFIG_SCHEMA, json, { file: 'gpt2/config.json', error: 'config' });
 * ```
 */
export const GPT2_CONFIG_SCHEMA = v.object({
  ...COMMON_CONFIG_ENTRIES,
  n_embd: CONFIG_FIELD.positiveInt,
  n_head: CONFIG_FIELD.positiveInt,
  n_layer: CONFIG_FIELD.positiveInt,
  n_inner: CONFIG_FIELD.positiveInt,
  n_positions: CONFIG_FIELD.positiveInt,
  activation_function: CONFIG_FIELD.string,
  layer_norm_epsilon: CONFIG_FIELD.finite,
  scale_attn_weights: CONFIG_FIELD.bool,
  scale_attn_by_inverse_layer_idx: CONFIG_FIELD.bool,
  attn_pdrop: CONFIG_FIELD.finite,
  embd_pdrop: CONFIG_FIELD.finite,
  resid_pdrop: CONFIG_FIELD.finite,
});
