/**
 * `@peft/train/node`: the Node-only parts of `@peft/train` — reading dataset files from disk and the
 * metrics log's file store.
 *
 * @packageDocumentation
 */
export { readDatasetFile } from './data/node.js';
export { metricsFileStore, METRICS_FILE } from './report/metrics-file-store.js';
