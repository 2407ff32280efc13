import * as v from 'valibot';
import { COMMON_CONFIG_ENTRIES, CONFIG_FIELD } from '../config-schema-fields.js';

/**
 * The fields of a BERT `config.json` that the model reads, with their types. Not strict: unread keys
 * are ignored, as transformers does.
 *
 * @example
 * ```ts
 * validateShape(BERT_CONFIG_SCHEMA, json, { file: 'bert/config.json', error: 'config' });
 * ```
 */
export const BERT_CONFIG_SCHEMA = v.object({
  ...COMMON_CONFIG_ENTRIES,
  hidden_size: CONFIG_FIELD.positiveInt,
  intermediate_size: CONFIG_FIELD.positiveInt,
  num_hidden_layers: CONFIG_FIELD.positiveInt,
  num_attention_heads: CONFIG_FIELD.positiveInt,
  max_position_embeddings: CONFIG_FIELD.positiveInt,
  type_vocab_size: CONFIG_FIELD.positiveInt,
  num_labels: CONFIG_FIELD.positiveInt,
  hidden_act: CONFIG_FIELD.string,
  layer_norm_eps: CONFIG_FIELD.finite,
  initializer_range: CONFIG_FIELD.finite,
  position_embedding_type: CONFIG_FIELD.string,
  is_decoder: CONFIG_FIELD.bool,
  problem_type: CONFIG_FIELD.string,
  classifier_dropout: CONFIG_FIELD.finite,
});
