/**
 * `@peft/lokr`: LoKr (low-rank Kronecker product) adapters on Linear and GPT-2 Conv1D layers, with
 * Hugging Face PEFT's factorisation rule and file format.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { lokr, lokrConfig } from '@peft/lokr';
 * registerMethod(lokr);
 * const peft = await getPeftModel(model, lokrConfig({ r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 *
 * @packageDocumentation
 */
export { lokr, createLokrLayer } from './method.js';
export { LOKR_FIELDS, LOKR_SCHEMA, lokrConfig } from './config.js';
export type { LokrConfig } from './config.js';
export { LokrLinear } from './layer.js';
export type { KronPath, LokrSettings } from './layer.js';
export { factorization, lokrLayout } from './factorization.js';
export type { LokrLayout } from './factorization.js';
export { kron, kronLinear, kronFlops } from './kron.js';
