// Browser-safe reporting: progress, the metrics log (with an injected store) and the loss-curve SVG.
// The Node file store lives in metrics-file-store.ts and is exported from a Node-only entry.
export * from './progress-format.js';
export * from './progress.js';
export * from './metrics-log.js';
export * from './axis-ticks.js';
export * from './loss-curve.js';
