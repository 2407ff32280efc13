/**
 * `@peft/ia3`: (IA)³ adapters (learned vectors that rescale a layer's output, or a feed-forward
 * layer's input) on Linear and GPT-2 Conv1D layers, with Hugging Face PEFT's file format.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { ia3, ia3Config } from '@peft/ia3';
 * registerMethod(ia3);
 * const peft = await getPeftModel(model, ia3Config()); // PEFT's default targets for the model type
 * ```
 *
 * @packageDocumentation
 */
export { ia3, createIa3Layer, adjustIa3Config, prepareIa3Config } from './method.js';
export { IA3_FIELDS, IA3_SCHEMA, ia3Config, checkFeedforwardSubset, isFeedforwardModule } from './config.js';
export type { IA3Config } from './config.js';
export { IA3_DEFAULT_TARGETS, IA3_DEFAULT_FEEDFORWARD, ia3DefaultTargets, ia3DefaultFeedforward } from './default-targets.js';
export { Ia3Linear } from './layer.js';
export type { Ia3Settings } from './layer.js';
export { addWeightedIa3Adapter } from './weighted-adapter.js';
