/**
 * `@peft/hub/node`: Hub ids in Node, through the shared cache (`HF_HUB_CACHE`, `HF_HOME`,
 * `~/.cache/huggingface/hub`), with `HF_TOKEN`, `HF_HUB_OFFLINE` and `HF_ENDPOINT`.
 *
 * @packageDocumentation
 */
export { type HubSettings, type HubOptions, type ProgressSink, hubSettings } from './node/hub-settings.js';
export { type HubSourceOptions, hubSource, enableHub } from './node/hub-source.js';
export { type HubSnapshot, openSnapshot } from './node/hub-snapshot.js';
export { type RepoFile, ensureCachedFile, listRepoFiles, resolveCommit } from './node/hub-download.js';
export { RepoCache, verifyBlob } from './node/hub-cache.js';
export { ProgressBar, formatBytes } from './node/progress-bar.js';
export { type LocalDataFile, type HubDataOptions, hubDataFiles, isHubDataPath } from './node/hub-dataset.js';
export { type PushAdapterOptions, type PushResult, pushAdapter } from './node/push-adapter.js';
