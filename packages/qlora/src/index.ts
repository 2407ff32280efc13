export * from './codebooks.js';
export * from './blockwise.js';
export * from './quantize.js';
