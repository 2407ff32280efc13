/**
 * `@peft/prefix`: prefix tuning (learned key/value prefixes for every attention layer, optionally
 * through a projection MLP), with Hugging Face PEFT's file format.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { prefixTuning, prefixTuningConfig } from '@peft/prefix';
 * registerMethod(prefixTuning);
 * const peft = await getPeftModel(model, prefixTuningConfig({ numVirtualTokens: 10 }));
 * ```
 *
 * @packageDocumentation
 */
export { prefixTuning } from './method.js';
export { PREFIX_TUNING_FIELDS, PREFIX_TUNING_SCHEMA, prefixTuningConfig, preparePrefixConfig } from './config.js';
export type { PrefixTuningConfig } from './config.js';
export { PrefixProjectionEncoder, createPrefixEncoder } from './encoder.js';
