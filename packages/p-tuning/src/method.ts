import type { PeftMethod } from '@peft/core/plugin';
import { P_TUNING_SCHEMA, type PTuningConfig, preparePTuningConfig } from './config.js';
import { createPTuningEncoder } from './encoder.js';

/**
 * P-tuning as a {@link PeftMethod} (`peft_type` "P_TUNING"): virtual tokens made by a small network
 * (MLP, or a bidirectional LSTM and an MLP) from a learned table, prepended to the input embeddings,
 * with Hugging Face PEFT 0.21's names, defaults and file format (one saved tensor,
 * `prompt_embeddings`: the network's output).
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { pTuning, pTuningConfig } from '@peft/p-tuning';
 * registerMethod(pTuning);
 * const peft = await getPeftModel(model, pTuningConfig({ numVirtualTokens: 10, encoderHiddenSize: 64 }));
 * ```
 */
export const pTuning: PeftMethod<PTuningConfig> = {
  peftType: 'P_TUNING',
  packageName: '@peft/p-tuning',
  schema: P_TUNING_SCHEMA,
  prepareConfig: preparePTuningConfig,
  createPromptEncoder: createPTuningEncoder,
};
