/**
 * `@peft/bitfit`: BitFit for `@peft` — train only the bias terms (all, or those `target_modules`
 * selects), optionally with a new classification head; saves only the trained biases, under the base
 * model's own names (`base_model.model.<path>.bias`).
 *
 * @example
 * ```ts
 * import { getPeftModel, registerMethod } from '@peft/core';
 * import { bitfit, bitfitConfig } from '@peft/bitfit';
 * registerMethod(bitfit);
 * const peft = await getPeftModel(model, bitfitConfig());
 * ```
 *
 * @packageDocumentation
 */
export { bitfit, createBitFitLayer } from './method.js';
export { BITFIT_FIELDS, BITFIT_SCHEMA, bitfitConfig } from './config.js';
export type { BitFitConfig } from './config.js';
export { BITFIT_DEFAULT_TARGETS, bitfitDefaultTargets } from './default-targets.js';
export { BitFitLayer, moduleBias } from './layer.js';
