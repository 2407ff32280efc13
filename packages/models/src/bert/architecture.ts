import type { Architecture } from '../architecture.js';

/** Placeholder until the bert family lands. @example `bertArchitecture.modelTypes` */
export const bertArchitecture: Architecture = { modelTypes: [], classes: {}, defaultClass: '', weights: () => ({}) };
