/**
 * `@peft/lora`: LoRA, rsLoRA and DoRA adapters on Linear, GPT-2 Conv1D and Embedding layers, with
 * Hugging Face PEFT's file format.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { lora, loraConfig } from '@peft/lora';
 * registerMethod(lora);
 * const peft = await getPeftModel(model, loraConfig({ r: 8, loraAlpha: 16, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 *
 * @packageDocumentation
 */
export { lora, createLoraLayer, loraExtraParameters } from './method.js';
export { LORA_FIELDS, LORA_SCHEMA, loraConfig } from './config.js';
export type { LoraConfig } from './config.js';
export { LoraLinear } from './lora-linear.js';
export { LoraEmbedding } from './lora-embedding.js';
export { DoraMagnitude, DoraLinearVariant, DoraEmbeddingVariant, doraWeightNorm } from './dora.js';
export type { DoraLayer, DoraLinearLayer, DoraEmbeddingLayer } from './dora.js';
export type { LoraSettings, LoraVariant } from './lora-variant.js';
export type { InitLoraWeights } from './init-lora-weights.js';
export { loraScaling } from './scaling.js';
export { addWeightedLoraAdapter } from './weighted-adapter.js';
