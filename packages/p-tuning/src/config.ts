import { type ModelInfo } from '@peft/core';
import { type ConfigOf, type ConfigOptions, PROMPT_LEARNING_FIELDS, configField, defineConfig, nullableIntField } from '@peft/core/plugin';

/** The networks p-tuning can put in front of its virtual tokens. @example `const t: PromptEncoderReparameterizationType = 'LSTM'` */
export type PromptEncoderReparameterizationType = 'MLP' | 'LSTM';

/**
 * The fields of p-tuning's `adapter_config.json` as Hugging Face PEFT 0.21 writes them
 * (`PromptEncoderConfig`), by camelCase option name.
 *
 * @example
 * ```ts
 * P_TUNING_FIELDS.encoderHiddenSize.key; // 'encoder_hidden_size'
 * ```
 */
export const P_TUNING_FIELDS = {
  ...PROMPT_LEARNING_FIELDS,
  encoderReparameterizationType: configField.choice<PromptEncoderReparameterizationType>('encoder_reparameterization_type', ['MLP', 'LSTM'], 'MLP'),
  encoderHiddenSize: nullableIntField('encoder_hidden_size'),
  encoderNumLayers: configField.int('encoder_num_layers', 2, { min: 1 }),
  encoderDropout: configField.float('encoder_dropout', 0, { min: 0, max: 1 }),
};

/**
 * A p-tuning adapter's configuration: Hugging Face PEFT's `PromptEncoderConfig` with camelCase names
 * (`numVirtualTokens`, `encoderReparameterizationType`, `encoderHiddenSize` (default: the model's
 * hidden size), `encoderNumLayers` (LSTM layers; the MLP always has three Linear layers, as in PEFT),
 * `encoderDropout` (between LSTM layers)).
 *
 * @example
 * ```ts
 * const config: PTuningConfig = pTuningConfig({ numVirtualTokens: 10, encoderHiddenSize: 128 });
 * ```
 */
export type PTuningConfig = ConfigOf<typeof P_TUNING_FIELDS>;

/**
 * P-tuning's config schema (`peft_type` "P_TUNING").
 *
 * @example
 * ```ts
 * const config = P_TUNING_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * ```
 */
export const P_TUNING_SCHEMA = defineConfig('P_TUNING', 'p-tuning', P_TUNING_FIELDS);

/**
 * A p-tuning config from camelCase options; anything not given takes Hugging Face PEFT's default.
 *
 * @example
 * ```ts
 * const config = pTuningConfig({ numVirtualTokens: 20, encoderReparameterizationType: 'LSTM' });
 * ```
 */
export function pTuningConfig(options?: ConfigOptions<PTuningConfig>): PTuningConfig {
  return P_TUNING_SCHEMA.create(options);
}

/**
 * Fills in `encoder_hidden_size` with the model's hidden size when the config has none, as PEFT does
 * when the adapter is added.
 *
 * @example
 * ```ts
 * preparePTuningConfig(pTuningConfig(), model.info).encoderHiddenSize; // 32
 * ```
 */
export function preparePTuningConfig(config: PTuningConfig, info: ModelInfo): PTuningConfig {
  if (config.encoderHiddenSize !== null) return config;
  return P_TUNING_SCHEMA.create({ ...config, encoderHiddenSize: config.tokenDim ?? info.hiddenSize });
}
