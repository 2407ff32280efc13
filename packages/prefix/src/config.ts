import { type ModelInfo } from '@peft/core';
import { type ConfigOf, type ConfigOptions, PROMPT_LEARNING_FIELDS, configField, defineConfig, nullableIntField } from '@peft/core/plugin';

/**
 * The fields of prefix tuning's `adapter_config.json` as Hugging Face PEFT 0.21 writes them
 * (`PrefixTuningConfig`), by camelCase option name.
 *
 * @example
 * ```ts
 * PREFIX_TUNING_FIELDS.prefixProjection.key; // 'prefix_projection'
 * ```
 */
export const PREFIX_TUNING_FIELDS = {
  ...PROMPT_LEARNING_FIELDS,
  encoderHiddenSize: nullableIntField('encoder_hidden_size'),
  prefixProjection: configField.bool('prefix_projection', false),
};

/**
 * A prefix-tuning adapter's configuration: Hugging Face PEFT's `PrefixTuningConfig` with camelCase
 * names (`numVirtualTokens`, `prefixProjection`, `encoderHiddenSize`).
 *
 * @example
 * ```ts
 * const config: PrefixTuningConfig = prefixTuningConfig({ numVirtualTokens: 10, prefixProjection: true, encoderHiddenSize: 64 });
 * ```
 */
export type PrefixTuningConfig = ConfigOf<typeof PREFIX_TUNING_FIELDS>;

/**
 * Prefix tuning's config schema (`peft_type` "PREFIX_TUNING").
 *
 * @example
 * ```ts
 * const config = PREFIX_TUNING_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * ```
 */
export const PREFIX_TUNING_SCHEMA = defineConfig('PREFIX_TUNING', 'prefix tuning', PREFIX_TUNING_FIELDS);

/**
 * A prefix-tuning config from camelCase options; anything not given takes Hugging Face PEFT's default.
 *
 * @example
 * ```ts
 * const config = prefixTuningConfig({ numVirtualTokens: 20 });
 * ```
 */
export function prefixTuningConfig(options?: ConfigOptions<PrefixTuningConfig>): PrefixTuningConfig {
  return PREFIX_TUNING_SCHEMA.create(options);
}

/**
 * Fills in the model facts as PEFT does for prefix tuning: the prefix is stored per key/value head,
 * so under grouped-query attention `token_dim` is `numKeyValueHeads · headDim` and
 * `num_attention_heads` the number of key/value heads; `encoder_hidden_size` defaults to `token_dim`.
 *
 * @example
 * ```ts
 * preparePrefixConfig(prefixTuningConfig(), llama.info).tokenDim; // 16 with 2 KV heads of 8
 * ```
 */
export function preparePrefixConfig(config: PrefixTuningConfig, info: ModelInfo): PrefixTuningConfig {
  const tokenDim = config.tokenDim ?? info.numKeyValueHeads * info.headDim;
  return PREFIX_TUNING_SCHEMA.create({
    ...config,
    tokenDim,
    numAttentionHeads: config.numAttentionHeads ?? info.numKeyValueHeads,
    encoderHiddenSize: config.encoderHiddenSize ?? tokenDim,
  });
}
