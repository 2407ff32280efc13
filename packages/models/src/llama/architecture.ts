import type { Architecture } from '../architecture.js';

/** Placeholder until the llama family lands. @example `llamaArchitecture.modelTypes` */
export const llamaArchitecture: Architecture = { modelTypes: [], classes: {}, defaultClass: '', weights: () => ({}) };
