/**
 * `@peft/adapters`: bottleneck adapters (Houlsby, Pfeiffer, parallel) for `@peft`, on GPT-2, LLaMA and
 * BERT blocks, saved as `adapter_config.json` (`peft_type` "BOTTLENECK") + `adapter_model.safetensors`.
 *
 * @example
 * ```ts
 * import { getPeftModel, registerMethod } from '@peft/core';
 * import { bottleneck, bottleneckConfig } from '@peft/adapters';
 * registerMethod(bottleneck);
 * const peft = await getPeftModel(model, bottleneckConfig({ config: 'pfeiffer' }));
 * ```
 *
 * @packageDocumentation
 */
export { bottleneck, createBottleneckLayer, prepareBottleneckConfig } from './method.js';
export { BOTTLENECK_ACTIVATIONS, BOTTLENECK_FIELDS, BOTTLENECK_PLACEMENTS, BOTTLENECK_SCHEMA, bottleneckConfig, bottleneckWidth } from './config.js';
export type { BottleneckActivation, BottleneckConfig, BottleneckPlacement } from './config.js';
export { BOTTLENECK_DEFAULT_TARGETS, bottleneckDefaultTargets } from './default-targets.js';
export { BottleneckLayer, streamFeatures } from './layer.js';
export type { BottleneckSettings } from './layer.js';
