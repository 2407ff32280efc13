export { KVCache } from './kv-cache.js';
export type { KVPair } from './kv-cache.js';
export type { ModelInputs, ModelOutput, ModelInfo, PretrainedModel } from './pretrained-model.js';
