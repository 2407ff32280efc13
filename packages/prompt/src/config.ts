import { ConfigError } from '@peft/core';
import { type ConfigOf, type ConfigOptions, PROMPT_LEARNING_FIELDS, configField, defineConfig } from '@peft/core/plugin';

/** The ways prompt tuning initialises its virtual tokens (PEFT's `PromptTuningInit`). @example `const init: PromptTuningInit = 'TEXT'` */
export type PromptTuningInit = 'RANDOM' | 'TEXT' | 'SAMPLE_VOCAB';

/**
 * The fields of prompt tuning's `adapter_config.json` as Hugging Face PEFT 0.21 writes them
 * (`PromptTuningConfig`), by camelCase option name.
 *
 * @example
 * ```ts
 * PROMPT_TUNING_FIELDS.promptTuningInit.key; // 'prompt_tuning_init'
 * ```
 */
export const PROMPT_TUNING_FIELDS = {
  ...PROMPT_LEARNING_FIELDS,
  promptTuningInit: configField.choice<PromptTuningInit>('prompt_tuning_init', ['RANDOM', 'TEXT', 'SAMPLE_VOCAB'], 'RANDOM'),
  promptTuningInitText: configField.string('prompt_tuning_init_text', null),
  tokenizerNameOrPath: configField.string('tokenizer_name_or_path', null),
  tokenizerKwargs: configField.json('tokenizer_kwargs', null),
};

/**
 * A prompt-tuning adapter's configuration: Hugging Face PEFT's `PromptTuningConfig` with camelCase
 * names (`numVirtualTokens`, `promptTuningInit`, `promptTuningInitText`, `tokenizerNameOrPath`, …).
 *
 * @example
 * ```ts
 * const config: PromptTuningConfig = promptTuningConfig({ numVirtualTokens: 8, taskType: 'CAUSAL_LM' });
 * ```
 */
export type PromptTuningConfig = ConfigOf<typeof PROMPT_TUNING_FIELDS>;

/**
 * Prompt tuning's config schema (`peft_type` "PROMPT_TUNING"): creates configs, parses
 * `adapter_config.json` and writes it back. TEXT init needs `prompt_tuning_init_text` and
 * `tokenizer_name_or_path`.
 *
 * @example
 * ```ts
 * const config = PROMPT_TUNING_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * ```
 */
export const PROMPT_TUNING_SCHEMA = defineConfig('PROMPT_TUNING', 'prompt tuning', PROMPT_TUNING_FIELDS, checkTextInit);

function checkTextInit(config: PromptTuningConfig): void {
  if (config.promptTuningInit !== 'TEXT') return;
  for (const [field, key] of [['promptTuningInitText', 'prompt_tuning_init_text'], ['tokenizerNameOrPath', 'tokenizer_name_or_path']] as const) {
    if (config[field] === null) throw new ConfigError(`prompt tuning: prompt_tuning_init "TEXT" needs ${key}, got null`);
  }
}

/**
 * A prompt-tuning config from camelCase options; anything not given takes Hugging Face PEFT's default.
 *
 * @example
 * ```ts
 * const config = promptTuningConfig({ numVirtualTokens: 12, promptTuningInit: 'TEXT', promptTuningInitText: 'classify this review', tokenizerNameOrPath: 'gpt2' });
 * ```
 */
export function promptTuningConfig(options?: ConfigOptions<PromptTuningConfig>): PromptTuningConfig {
  return PROMPT_TUNING_SCHEMA.create(options);
}
