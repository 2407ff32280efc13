import { HubError } from '../hub-error.js';
import type { HubRepo } from '../repo-ref.js';
import { COMMIT_HASH, RepoCache } from './hub-cache.js';
import { type RepoFile, ensureCachedFile, listRepoFiles, resolveCommit } from './hub-download.js';
import type { HubSettings } from './hub-settings.js';

/**
 * One revision of a repository as the cache and the Hub see it: the commit, the files it has (from the
 * Hub's listing online; from the cached snapshot offline), and a way to make a file local.
 *
 * @example
 * ```ts
 * const snap = await openSnapshot({ type: 'model', id: 'org/name' }, 'main', hubSettings());
 * const path = await snap.fetch('config.json');
 * ```
 */
export interface HubSnapshot {
  readonly repo: HubRepo;
  readonly commit: string;
  /** The snapshot folder in the cache. */
  readonly dir: string;
  /** Whether the cache alone answers (offline mode). */
  readonly offline: boolean;
  /** The paths of the revision's files. */
  readonly paths: readonly string[];
  /** The local path of a file (downloaded into the cache when needed); a clear error when it is not there offline. */
  fetch(path: string): Promise<string>;
}

function repoLabel(repo: HubRepo): string {
  return repo.type === 'dataset' ? `datasets/${repo.id}` : repo.id;
}

/**
 * Opens a revision: online, asks the Hub for its commit and file list; offline (`HF_HUB_OFFLINE=1`),
 * or when the Hub cannot be reached at all and the revision was seen before, reads `refs/<revision>`
 * and the snapshot folder, and names what is missing.
 *
 * @example
 * ```ts
 * const snap = await openSnapshot(repo, 'v1.0', settings);
 * snap.paths.includes('model.safetensors.index.json');
 * ```
 */
export async function openSnapshot(repo: HubRepo, revision: string, settings: HubSettings): Promise<HubSnapshot> {
  if (settings.offline) return openCachedSnapshot(repo, revision, settings);
  let commit: string;
  try {
    commit = await resolveCommit(repo, revision, settings);
  } catch (e) {
    // the Hub cannot be reached (no answer at all): a revision seen before is read from the cache, as Python does
    const cached = e instanceof HubError && e.reason === 'network' && e.status === undefined ? await openCachedSnapshot(repo, revision, settings, 'the Hub cannot be reached').catch(() => undefined) : undefined;
    if (!cached) throw e;
    settings.progress?.write(`${repoLabel(repo)}@${revision}: the Hub cannot be reached (${e instanceof Error ? e.message : String(e)}); using the cached snapshot ${cached.commit}\n`);
    return cached;
  }
  return openOnlineSnapshot(repo, revision, commit, settings);
}

async function openCachedSnapshot(repo: HubRepo, revision: string, settings: HubSettings, why = 'HF_HUB_OFFLINE=1'): Promise<HubSnapshot> {
  const cache = new RepoCache(settings.cacheDir, repo);
  const commit = COMMIT_HASH.test(revision) ? revision : await cache.readRef(revision);
  if (commit === undefined) {
    throw new HubError(
      'offline',
      `${repoLabel(repo)}@${revision}: ${why} and the cache (${cache.root}) has no ref for this revision; download it once online (or unset HF_HUB_OFFLINE)`,
    );
  }
  const paths = await cache.snapshotFiles(commit);
  return {
    repo,
    commit,
    dir: cache.snapshotPath(commit),
    offline: true,
    paths,
    fetch: (path) => {
      if (paths.includes(path)) return Promise.resolve(cache.snapshotPath(commit, path));
      return Promise.reject(
        new HubError('offline', `${repoLabel(repo)}/${path}: ${why} and the file is not in the cache (${cache.snapshotPath(commit, path)}); download it once online (or unset HF_HUB_OFFLINE)`),
      );
    },
  };
}

async function openOnlineSnapshot(repo: HubRepo, revision: string, commit: string, settings: HubSettings): Promise<HubSnapshot> {
  const cache = new RepoCache(settings.cacheDir, repo);
  const listing = await listRepoFiles(repo, commit, settings);
  const files = new Map<string, RepoFile>(listing.map((f) => [f.path, f]));
  await cache.tagCacheDir();
  await cache.writeTree(commit, listing);
  return {
    repo,
    commit,
    dir: cache.snapshotPath(commit),
    offline: false,
    paths: [...files.keys()].sort(),
    fetch: (path) => {
      const file = files.get(path);
      if (!file) return Promise.reject(new HubError('not-found', `${repoLabel(repo)}/${path}: no such file at ${revision} (commit ${commit})`));
      return ensureCachedFile(repo, commit, file, settings);
    },
  };
}
