import { datasetInfo, downloadFile, listFiles, modelInfo } from '@huggingface/hub';
import { type CheckpointSource, memorySource } from '@peft/core';
import { type SourceResolveOptions, setSourceResolver } from '@peft/core/plugin';
import { BrowserListingSchema, RefFileSchema } from './cache-metadata-schemas.js';
import { checkedFetch, readWithin } from './checked-fetch.js';
import { HubError, hubFailure } from './hub-error.js';
import { checkHubShape } from './hub-shape.js';
import { neededFiles } from './needed-files.js';
import { type HubRepo, isRepoId } from './repo-ref.js';

/**
 * Options of the browser's Hub loader.
 *
 * @example
 * ```ts
 * const opts: BrowserHubOptions = { endpoint: 'https://huggingface.co', onProgress: (p) => bar.set(p.loaded / p.total) };
 * ```
 */
export interface BrowserHubOptions {
  /** The Hub's URL (default https://huggingface.co). */
  endpoint?: string;
  /** An access token for private or gated repositories (`hf_…`). */
  token?: string;
  /** The Cache Storage name (default `peft-hub`). */
  cacheName?: string;
  /** Download progress, per file. */
  onProgress?(progress: { file: string; loaded: number; total: number; cached: boolean }): void;
  /** The fetch used for every request (default: the global one). */
  fetch?: typeof fetch;
  /** How long a request waits for an answer, and a download for its next bytes (default 10 s). */
  timeoutMs?: number;
}

const DEFAULT_CACHE = 'peft-hub';
const SIZE_HEADER = 'x-peft-size';

function endpointOf(opts: BrowserHubOptions): string {
  return (opts.endpoint ?? 'https://huggingface.co').replace(/\/+$/, '');
}

/** The client's parameters: endpoint, token, and the fetch wrapped by checkedFetch (timeouts, checked answers). */
function clientOf(opts: BrowserHubOptions): { hubUrl: string; fetch: typeof fetch; accessToken?: string } {
  return { hubUrl: endpointOf(opts), fetch: checkedFetch(opts.fetch ?? ((input, init) => fetch(input, init)), { timeoutMs: opts.timeoutMs ?? 10_000 }), ...(opts.token ? { accessToken: opts.token } : {}) };
}

function prefixOf(repo: HubRepo): string {
  return repo.type === 'dataset' ? `datasets/${repo.id}` : repo.id;
}

async function digestHex(algorithm: 'SHA-256' | 'SHA-1', parts: readonly Uint8Array[]): Promise<string> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return [...new Uint8Array(await crypto.subtle.digest(algorithm, all))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Checks downloaded bytes against the size and the hash their etag names (sha256 for LFS files, git's blob sha1 otherwise). */
async function verify(bytes: Uint8Array, size: number, etag: string, what: string): Promise<void> {
  if (bytes.length !== size) throw new HubError('integrity', `${what}: got ${bytes.length} bytes but the Hub says ${size}; it is refused`);
  let got: string | undefined;
  if (/^[0-9a-f]{64}$/.test(etag)) got = await digestHex('SHA-256', [bytes]);
  else if (/^[0-9a-f]{40}$/.test(etag)) got = await digestHex('SHA-1', [new TextEncoder().encode(`blob ${bytes.length}\0`), bytes]);
  if (got !== undefined && got !== etag) throw new HubError('integrity', `${what}: the hash is ${got}, expected ${etag}; it is refused`);
}

interface Listing {
  readonly commit: string;
  readonly files: { path: string; size: number; etag: string }[];
}

/** The revision's commit and file list: from the Hub, or from the cache when the Hub cannot be reached. */
async function listing(repo: HubRepo, revision: string, cache: Cache, opts: BrowserHubOptions): Promise<Listing> {
  const base = endpointOf(opts);
  const refKey = `${base}/api/${repo.type}s/${repo.id}/revision/${encodeURIComponent(revision)}`;
  const params = clientOf(opts);
  let commit: string | undefined = /^[0-9a-f]{40}$/.test(revision) ? revision : undefined;
  if (commit === undefined) {
    try {
      const info = repo.type === 'model' ? await modelInfo({ ...params, name: repo.id, revision, additionalFields: ['sha'] }) : await datasetInfo({ ...params, name: repo.id, revision, additionalFields: ['sha'] });
      commit = info.sha;
      await cache.put(refKey, new Response(commit));
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      const unreachable = status === undefined && !(e instanceof HubError && e.reason !== 'network');
      const cached = unreachable ? await cache.match(refKey) : undefined;
      if (!cached) throw hubFailure(e, `${prefixOf(repo)}@${revision}`, { hasToken: opts.token !== undefined, token: opts.token });
      commit = checkHubShape(RefFileSchema, await cached.text(), `Cache Storage ${refKey}`, 'clear the cache (clearBrowserHubCache)');
    }
  }
  const treeKey = `${base}/api/${repo.type}s/${repo.id}/tree/${commit}`;
  const hit = await cache.match(treeKey);
  if (hit) {
    const stored: unknown = await hit.json().catch(() => undefined);
    return { commit, files: checkHubShape(BrowserListingSchema, stored, `Cache Storage ${treeKey}`, 'clear the cache (clearBrowserHubCache)') };
  }
  const files: Listing['files'] = [];
  try {
    for await (const f of listFiles({ ...params, repo: { type: repo.type, name: repo.id }, revision: commit, recursive: true })) {
      const etag = f.lfs?.oid ?? f.oid;
      if (f.type === 'file' && etag) files.push({ path: f.path, size: f.lfs?.size ?? f.size, etag });
    }
  } catch (e) {
    throw hubFailure(e, `${prefixOf(repo)}@${commit}`, { hasToken: opts.token !== undefined, token: opts.token });
  }
  await cache.put(treeKey, new Response(JSON.stringify(files), { headers: { 'content-type': 'application/json' } }));
  return { commit, files };
}

/** One file's bytes: from Cache Storage (commit-addressed, so never stale), else downloaded, checked and stored. */
async function fileBytes(repo: HubRepo, commit: string, file: Listing['files'][number], cache: Cache, opts: BrowserHubOptions): Promise<Uint8Array> {
  const key = `${endpointOf(opts)}/${prefixOf(repo)}/resolve/${commit}/${file.path}`;
  const what = `${prefixOf(repo)}/${file.path}`;
  const hit = await cache.match(key);
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    if (bytes.length === file.size) {
      opts.onProgress?.({ file: what, loaded: bytes.length, total: file.size, cached: true });
      return bytes;
    }
    await cache.delete(key);
  }
  let blob: Blob | null;
  try {
    blob = await downloadFile({ ...clientOf(opts), repo: { type: repo.type, name: repo.id }, path: file.path, revision: commit });
  } catch (e) {
    throw hubFailure(e, what, { hasToken: opts.token !== undefined, token: opts.token });
  }
  if (!blob) throw new HubError('not-found', `${what}: not found at commit ${commit}`);
  const out = new Uint8Array(file.size);
  let loaded = 0;
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await readWithin(reader, opts.timeoutMs ?? 10_000, what);
    if (done) break;
    if (loaded + value.length > out.length) throw new HubError('integrity', `${what}: more bytes than the ${file.size} the Hub announced; refused`);
    out.set(value, loaded);
    loaded += value.length;
    opts.onProgress?.({ file: what, loaded, total: file.size, cached: false });
  }
  await verify(out.subarray(0, loaded), file.size, file.etag, what);
  await cache.put(key, new Response(out, { headers: { 'content-type': 'application/octet-stream', [SIZE_HEADER]: String(out.length) } }));
  return out;
}

/**
 * A model or adapter on the Hub as a {@link CheckpointSource} in a browser: the revision is resolved,
 * only the files the kind needs are fetched (as in Node), each checked against its size and hash and
 * kept in Cache Storage by commit, so a reload reads them from the cache without downloading again
 * (and works offline once the revision was seen).
 *
 * @example
 * ```ts
 * const model = await loadPretrained(await browserHubSource('HuggingFaceTB/SmolLM2-135M', { onProgress: show }));
 * ```
 */
export async function browserHubSource(id: string, opts: BrowserHubOptions & { kind?: 'model' | 'adapter'; revision?: string; subfolder?: string } = {}): Promise<CheckpointSource> {
  if (!isRepoId(id)) throw new HubError('argument', `expected a Hub id such as "org/name", got ${JSON.stringify(id)}`);
  const repo: HubRepo = { type: 'model', id };
  const cache = await caches.open(opts.cacheName ?? DEFAULT_CACHE);
  const { commit, files } = await listing(repo, opts.revision ?? 'main', cache, opts);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const sub = (opts.subfolder ?? '').replace(/^\/+|\/+$/g, '');
  const prefix = sub ? `${sub}/` : '';
  const bytes = async (path: string): Promise<Uint8Array> => fileBytes(repo, commit, byPath.get(path)!, cache, opts);
  const wanted = await neededFiles([...byPath.keys()], opts.kind ?? 'model', prefix, async (p) => new TextDecoder().decode(await bytes(p)));
  const first = opts.kind === 'adapter' ? 'adapter_config.json' : 'config.json';
  if (!byPath.has(prefix + first)) throw new HubError('not-found', `${id}${sub ? `/${sub}` : ''}: no ${first} in the repository`);
  const loaded: Record<string, Uint8Array> = {};
  for (const p of wanted) loaded[p.slice(prefix.length)] = await bytes(p);
  const label = `${id}${sub ? `/${sub}` : ''}`;
  return { ...memorySource(loaded, label), nameOrPath: label };
}

/**
 * How much the browser's Hub cache holds: files and bytes.
 *
 * @example
 * ```ts
 * const { bytes } = await browserHubCacheUsage();
 * ```
 */
export async function browserHubCacheUsage(cacheName = DEFAULT_CACHE): Promise<{ files: number; bytes: number }> {
  if (!(await caches.has(cacheName))) return { files: 0, bytes: 0 };
  const cache = await caches.open(cacheName);
  let files = 0;
  let bytes = 0;
  for (const req of await cache.keys()) {
    const size = Number((await cache.match(req))?.headers.get(SIZE_HEADER) ?? NaN);
    if (Number.isFinite(size)) {
      files++;
      bytes += size;
    }
  }
  return { files, bytes };
}

/**
 * Empties the browser's Hub cache.
 *
 * @example
 * ```ts
 * clearButton.onclick = () => clearBrowserHubCache();
 * ```
 */
export async function clearBrowserHubCache(cacheName = DEFAULT_CACHE): Promise<void> {
  await caches.delete(cacheName);
}

/**
 * Lets string sources be Hub ids in a browser (`loadPretrained('org/name')`,
 * `PeftModel.fromPretrained(model, 'user/adapter')`), through {@link browserHubSource}.
 *
 * @example
 * ```ts
 * enableBrowserHub({ onProgress: show });
 * const model = await loadPretrained('HuggingFaceTB/SmolLM2-135M');
 * ```
 */
export function enableBrowserHub(opts: BrowserHubOptions = {}): void {
  setSourceResolver((name: string, o: SourceResolveOptions) => {
    const parts = name.split('/');
    const id = parts.slice(0, 2).join('/');
    if (!isRepoId(id)) return Promise.resolve(undefined);
    const subfolder = [...parts.slice(2), ...(o.subfolder ? [o.subfolder] : [])].join('/') || undefined;
    return browserHubSource(id, { ...opts, kind: o.kind, revision: o.revision, subfolder });
  });
}
