import { GPT2_CONFIG_SCHEMA } from './config-schema.js';
import type { Architecture } from '../architecture.js';
import { parseGPT2Config } from './config.js';
import { GPT2LMHeadModel } from './model.js';

/**
 * GPT-2 for the loader: `GPT2LMHeadModel`. Checkpoints saved from the bare `GPT2Model` (names without
 * the `transformer.` prefix, as the original `gpt2` upload) load too; the causal-mask buffers old
 * files carry (`attn.bias`, `attn.masked_bias`) are ignored, and a missing `lm_head.weight` is the
 * tied embedding.
 *
 * @example
 * ```ts
 * gpt2Architecture.classes.GPT2LMHeadModel(new ConfigReader(json), {});
 * ```
 */
export const gpt2Architecture: Architecture = {
  configSchema: GPT2_CONFIG_SCHEMA,
  modelTypes: ['gpt2'],
  classes: {
    GPT2LMHeadModel: (r, opts) => new GPT2LMHeadModel(parseGPT2Config(r), r.raw, opts),
  },
  defaultClass: 'GPT2LMHeadModel',
  weights: (_cls, r) => ({
    rename(key) {
      if (/(^|\.)attn\.(bias|masked_bias)$/.test(key)) return undefined;
      if (key.startsWith('transformer.') || key === 'lm_head.weight') return key;
      return `transformer.${key}`;
    },
    derived: (key) => key === 'lm_head.weight' && parseGPT2Config(r).tieWordEmbeddings,
  }),
};
