/**
 * `@peft/p-tuning`: p-tuning (virtual-token embeddings made by an MLP or LSTM prompt encoder,
 * prepended to the input embeddings), with Hugging Face PEFT's file format.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { pTuning, pTuningConfig } from '@peft/p-tuning';
 * registerMethod(pTuning);
 * const peft = await getPeftModel(model, pTuningConfig({ numVirtualTokens: 10 }));
 * ```
 *
 * @packageDocumentation
 */
export { pTuning } from './method.js';
export { P_TUNING_FIELDS, P_TUNING_SCHEMA, pTuningConfig, preparePTuningConfig } from './config.js';
export type { PTuningConfig, PromptEncoderReparameterizationType } from './config.js';
export { PTuningEncoder, createPTuningEncoder } from './encoder.js';
export { BiLstm } from './lstm.js';
