export { Optimizer } from './optimizer.js';
export type { GroupOptions, ParamGroup, ParamGroupInput, ParamState, OptimizerStateDict } from './optimizer.js';
export { AdamW } from './adamw.js';
export type { AdamWOptions } from './adamw.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { clipGradNorm } from './clip-grad-norm.js';
