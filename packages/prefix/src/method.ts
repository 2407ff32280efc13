import type { PeftMethod } from '@peft/core/plugin';
import { PREFIX_TUNING_SCHEMA, type PrefixTuningConfig, preparePrefixConfig } from './config.js';
import { createPrefixEncoder } from './encoder.js';

/**
 * Prefix tuning as a {@link PeftMethod} (`peft_type` "PREFIX_TUNING"): `num_virtual_tokens` learned
 * key/value positions in front of every attention layer, given to the model through its
 * `pastKeyValues` hook (so it works with the KV cache in generation and with grouped-query attention),
 * optionally reparameterised by an MLP (`prefix_projection`). Hugging Face PEFT 0.21's names, defaults
 * and file format (one saved tensor, `prompt_embeddings`).
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { prefixTuning, prefixTuningConfig } from '@peft/prefix';
 * registerMethod(prefixTuning);
 * const peft = await getPeftModel(model, prefixTuningConfig({ numVirtualTokens: 10 }));
 * ```
 */
export const prefixTuning: PeftMethod<PrefixTuningConfig> = {
  peftType: 'PREFIX_TUNING',
  packageName: '@peft/prefix',
  schema: PREFIX_TUNING_SCHEMA,
  prepareConfig: preparePrefixConfig,
  createPromptEncoder: createPrefixEncoder,
};
