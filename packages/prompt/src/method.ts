import type { PeftMethod } from '@peft/core/plugin';
import { PROMPT_TUNING_SCHEMA, type PromptTuningConfig } from './config.js';
import { createPromptTuningEncoder } from './encoder.js';

/**
 * Prompt tuning as a {@link PeftMethod} (`peft_type` "PROMPT_TUNING"): `num_virtual_tokens` learned
 * embeddings in front of the input embeddings, with Hugging Face PEFT 0.21's names, defaults and
 * file format (one saved tensor, `prompt_embeddings`). Register it once, then use `getPeftModel` /
 * `PeftModel.fromPretrained` from `@peft/core`.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { promptTuning, promptTuningConfig } from '@peft/prompt';
 * registerMethod(promptTuning);
 * const peft = await getPeftModel(model, promptTuningConfig({ numVirtualTokens: 8, taskType: 'CAUSAL_LM' }));
 * ```
 */
export const promptTuning: PeftMethod<PromptTuningConfig> = {
  peftType: 'PROMPT_TUNING',
  packageName: '@peft/prompt',
  schema: PROMPT_TUNING_SCHEMA,
  createPromptEncoder: createPromptTuningEncoder,
};
