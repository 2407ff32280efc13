/**
 * `@peft/prompt`: prompt tuning (learned virtual-token embeddings prepended to the input embeddings),
 * with Hugging Face PEFT's file format.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { promptTuning, promptTuningConfig } from '@peft/prompt';
 * registerMethod(promptTuning);
 * const peft = await getPeftModel(model, promptTuningConfig({ numVirtualTokens: 8 }));
 * ```
 *
 * @packageDocumentation
 */
export { promptTuning } from './method.js';
export { PROMPT_TUNING_FIELDS, PROMPT_TUNING_SCHEMA, promptTuningConfig } from './config.js';
export type { PromptTuningConfig, PromptTuningInit } from './config.js';
export { createPromptTuningEncoder, initTokenIds } from './encoder.js';
