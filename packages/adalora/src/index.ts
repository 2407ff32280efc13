/**
 * `@peft/adalora`: AdaLoRA, low-rank adapters in SVD form whose ranks are allocated during training,
 * with Hugging Face PEFT's file format.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { adalora, adaloraConfig } from '@peft/adalora';
 * registerMethod(adalora);
 * const peft = await getPeftModel(model, adaloraConfig({ initR: 12, targetR: 4, totalStep: 1000, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 *
 * @packageDocumentation
 */
export { adalora, adaloraTrainingHooks, ADALORA_DEFAULT_TARGETS } from './method.js';
export { ADALORA_FIELDS, ADALORA_SCHEMA, adaloraConfig } from './config.js';
export type { AdaLoraConfig, RankMasks } from './config.js';
export { SvdLinear, createSvdLayer } from './layer.js';
export type { SvdSettings } from './layer.js';
export { RankAllocator } from './rank-allocator.js';
export type { RankAllocatorOptions } from './rank-allocator.js';
export { budgetAt } from './budget-schedule.js';
export type { BudgetScheduleOptions } from './budget-schedule.js';
export { orthogonalRegularizer } from './orthogonal-regularizer.js';
export { rankMaskKey, rankMaskOf, prunedState } from './rank-pattern.js';
