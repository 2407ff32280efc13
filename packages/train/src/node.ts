/**
 * `@peft/train/node`: the Node-only parts of `@peft/train` — reading dataset files from disk, the
 * metrics log's file store and the checkpoint folders' store.
 *
 * @packageDocumentation
 */
export { readDatasetFile, readRecordsFile } from './data/node.js';
export { metricsFileStore, METRICS_FILE } from './report/metrics-file-store.js';
export { checkpointFileStore } from './checkpoint-file-store.js';
export { writeCheckpoint, readCheckpoint, listCheckpoints, pruneCheckpoints, removeStaleCheckpointFiles } from './checkpoint.js';
