/**
 * `@peft/hub`: the Hugging Face Hub for `@peft`. Ids (`org/name`) for models, adapters and datasets,
 * resolved through the cache layout Python's `huggingface_hub` uses (Node: `@peft/hub/node`), or
 * fetched and kept in the browser's Cache Storage; adapters pushed back with a model card.
 *
 * @packageDocumentation
 */
export { HubError, type HubErrorReason, hubFailure, maskToken } from './hub-error.js';
export { type HubRepo, type HubFileRef, isRepoId, repoId, parseHfUrl } from './repo-ref.js';
export { type ModelCardInfo, adapterModelCard } from './model-card.js';
export { MODEL_FILES, ADAPTER_FILES, neededFiles } from './needed-files.js';
export { type BrowserHubOptions, browserHubSource, browserHubCacheUsage, clearBrowserHubCache, enableBrowserHub } from './browser-hub.js';
