/**
 * `@peft/loha`: LoHa (low-rank Hadamard product) adapters on Linear and GPT-2 Conv1D layers, with
 * Hugging Face PEFT's file format.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { loha, lohaConfig } from '@peft/loha';
 * registerMethod(loha);
 * const peft = await getPeftModel(model, lohaConfig({ r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 *
 * @packageDocumentation
 */
export { loha, createLohaLayer } from './method.js';
export { LOHA_FIELDS, LOHA_SCHEMA, lohaConfig } from './config.js';
export type { LohaConfig } from './config.js';
export { LohaLinear } from './layer.js';
export type { LohaSettings } from './layer.js';
export { hadaWeight } from './hada-weight.js';
