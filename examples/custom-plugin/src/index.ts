/**
 * `peft-vera-example`: VeRA (vector-based random matrix adaptation) as a third-party `@peft` method,
 * written against `@peft/core` and `@peft/core/plugin` only. Frozen random projections are shared by all layers
 * of an adapter; each layer trains two vectors. Files are Hugging Face PEFT's.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { vera, veraConfig } from 'peft-vera-example';
 * registerMethod(vera);
 * const peft = await getPeftModel(model, veraConfig({ r: 16, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 *
 * @packageDocumentation
 */
export { vera, createVeraLayer, adjustVeraConfig, veraProjectionParameters, VERA_DEFAULT_TARGETS } from './method.js';
export { VERA_FIELDS, VERA_SCHEMA, veraConfig } from './config.js';
export type { VeraConfig } from './config.js';
export { VeraLinear } from './layer.js';
export type { VeraSettings } from './layer.js';
export { VeraProjections, projectionsFor } from './projections.js';
