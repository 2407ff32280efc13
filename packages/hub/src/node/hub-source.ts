import { directorySource } from '@peft/core/node';
import { type CheckpointSource } from '@peft/core';
import { type SourceResolveOptions, setSourceResolver } from '@peft/core/plugin';
import { HubError } from '../hub-error.js';
import { ADAPTER_FILES, MODEL_FILES, indexShards } from '../needed-files.js';
import { isRepoId } from '../repo-ref.js';
import { type HubSnapshot, openSnapshot } from './hub-snapshot.js';
import { type HubOptions, hubSettings } from './hub-settings.js';


/**
 * Options of {@link hubSource}: what the files are for, the revision, a subfolder, and any
 * {@link HubOptions}.
 *
 * @example
 * ```ts
 * const opts: HubSourceOptions = { kind: 'adapter', subfolder: 'other', revision: 'v2' };
 * ```
 */
export interface HubSourceOptions extends HubOptions {
  /** `model` (default) fetches config, weights and tokenizer; `adapter` the two adapter files. */
  kind?: 'model' | 'adapter';
  /** A branch, tag or commit (default `main`). */
  revision?: string;
  /** A folder inside the repository (a named adapter). */
  subfolder?: string;
}

/**
 * A {@link CheckpointSource} for a model or adapter on the Hub: the revision is resolved, only the
 * files the kind needs are fetched into the shared cache (config, generation config, the safetensors
 * file or the shards its index names, tokenizer files; or the adapter's two files), then read from the
 * cache's snapshot folder. Files Python already downloaded are used as they are. Offline
 * (`HF_HUB_OFFLINE=1`), a missing file is an error that names it.
 *
 * @example
 * ```ts
 * const model = await loadPretrained(await hubSource('HuggingFaceTB/SmolLM2-135M'));
 * ```
 */
export async function hubSource(id: string, opts: HubSourceOptions = {}): Promise<CheckpointSource> {
  if (!isRepoId(id)) throw new HubError('argument', `expected a Hub id such as "org/name", got ${JSON.stringify(id)}`);
  const settings = hubSettings(opts);
  const revision = opts.revision ?? 'main';
  let snap: HubSnapshot;
  try {
    snap = await openSnapshot({ type: 'model', id }, revision, settings);
  } catch (e) {
    // an id that is also a mistyped local path: say both were tried
    if (e instanceof HubError && e.reason === 'not-found') throw new HubError('not-found', `${e.message} (no local folder "${id}" exists either)`, { status: e.status, cause: e });
    throw e;
  }
  const sub = (opts.subfolder ?? '').replace(/^\/+|\/+$/g, '');
  const prefix = sub ? `${sub}/` : '';
  const kind = opts.kind ?? 'model';
  const where = `${id}${sub ? `/${sub}` : ''}${revision === 'main' ? '' : `@${revision}`}`;
  if (kind === 'adapter') {
    if (!snap.paths.includes(`${prefix}adapter_config.json`)) {
      const named = [...new Set(snap.paths.filter((p) => p.endsWith('/adapter_config.json')).map((p) => p.slice(0, -'/adapter_config.json'.length)))];
      const hint = named.length ? `; it has adapters in the subfolders ${named.map((n) => `"${n}"`).join(', ')} (pass subfolder)` : '';
      throw new HubError(snap.offline ? 'offline' : 'not-found', `${where}: no adapter_config.json${snap.offline ? ' in the cache (HF_HUB_OFFLINE=1)' : ''}${hint}`);
    }
    for (const f of ADAPTER_FILES) if (snap.paths.includes(prefix + f)) await snap.fetch(prefix + f);
  } else {
    await fetchModelFiles(snap, prefix, where);
  }
  const source = directorySource(snap.dir + (sub ? `/${sub}` : ''));
  return { ...source, label: where, nameOrPath: sub ? `${id}/${sub}` : id };
}

async function fetchModelFiles(snap: HubSnapshot, prefix: string, where: string): Promise<void> {
  if (!snap.paths.includes(`${prefix}config.json`)) {
    const adapter = snap.paths.includes(`${prefix}adapter_config.json`) ? '; it holds an adapter (adapter_config.json): load its base model and pass this id as the adapter' : '';
    throw new HubError(snap.offline ? 'offline' : 'not-found', `${where}: no config.json${snap.offline ? ' in the cache (HF_HUB_OFFLINE=1; download the model once online)' : ' in the repository'}${adapter}`);
  }
  for (const f of MODEL_FILES) if (snap.paths.includes(prefix + f)) await snap.fetch(prefix + f);
  const index = `${prefix}model.safetensors.index.json`;
  if (snap.paths.includes(index)) {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(await snap.fetch(index), 'utf8');
    const shards = indexShards(text, `${where}/model.safetensors.index.json`);
    for (const s of shards) await snap.fetch(prefix + s);
  } else {
    // offline, a missing weights file is named here rather than as a loader error
    if (snap.offline || snap.paths.includes(`${prefix}model.safetensors`)) await snap.fetch(`${prefix}model.safetensors`);
  }
}

/**
 * Lets string sources be Hub ids everywhere: `loadPretrained('org/name')`, `loadTokenizer`,
 * `PeftModel.fromPretrained(model, 'user/adapter', { subfolder })` (or `'user/adapter/subfolder'`).
 * A local folder of the same name still wins. Installs a resolver into `@peft/core` (`setSourceResolver`); call once at start-up.
 *
 * @example
 * ```ts
 * import { enableHub } from '@peft/hub/node';
 * enableHub();
 * const model = await loadPretrained('HuggingFaceTB/SmolLM2-135M');
 * ```
 */
export function enableHub(opts: HubOptions = {}): void {
  setSourceResolver((name: string, o: SourceResolveOptions) => {
    const parts = name.split('/');
    // org/name/sub/folder: an id and a subfolder (a named adapter saved inside the repository)
    const id = parts.length > 2 ? parts.slice(0, 2).join('/') : name;
    if (!isRepoId(id)) return Promise.resolve(undefined);
    const subfolder = [...parts.slice(2), ...(o.subfolder ? [o.subfolder] : [])].join('/') || undefined;
    return hubSource(id, { ...opts, kind: o.kind, revision: o.revision, subfolder });
  });
}
