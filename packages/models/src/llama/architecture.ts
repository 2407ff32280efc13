import { LLAMA_CONFIG_SCHEMA } from './config-schema.js';
import type { Architecture } from '../architecture.js';
import { parseLlamaConfig } from './config.js';
import { LlamaForCausalLM } from './model.js';

/**
 * The LLaMA family for the loader: `LlamaForCausalLM` (also SmolLM), `MistralForCausalLM` and
 * `Qwen2ForCausalLM`, one model class keeping the file's `model_type`. The `rotary_emb.inv_freq`
 * buffers some checkpoints carry are ignored (the frequencies follow from the config), and a missing
 * `lm_head.weight` is the tied embedding only when `tie_word_embeddings` is true.
 *
 * @example
 * ```ts
 * llamaArchitecture.classes.LlamaForCausalLM(new ConfigReader(json), {});
 * ```
 */
export const llamaArchitecture: Architecture = {
  configSchema: LLAMA_CONFIG_SCHEMA,
  modelTypes: ['llama', 'mistral', 'qwen2'],
  classes: {
    LlamaForCausalLM: (r, opts) => new LlamaForCausalLM(parseLlamaConfig(r), r.raw, opts),
    MistralForCausalLM: (r, opts) => new LlamaForCausalLM(parseLlamaConfig(r), r.raw, opts),
    Qwen2ForCausalLM: (r, opts) => new LlamaForCausalLM(parseLlamaConfig(r), r.raw, opts),
  },
  defaultClass: 'LlamaForCausalLM',
  weights: (_cls, r) => ({
    rename: (key) => (/(^|\.)rotary_emb\.inv_freq$/.test(key) ? undefined : key),
    derived: (key) => key === 'lm_head.weight' && parseLlamaConfig(r).tieWordEmbeddings,
  }),
};
