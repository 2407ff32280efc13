import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { RefFileSchema } from '../cache-metadata-schemas.js';
import { HubError } from '../hub-error.js';
import { checkHubShape } from '../hub-shape.js';
import type { HubRepo } from '../repo-ref.js';

/** The first line of a cache directory tag (the cachedir convention's fixed signature). */
const CACHEDIR_SIGNATURE = 'Signature: 8a477f597d28d172789f06886806bc55';

/** A 40-hex-digit git commit id (a revision that names a commit needs no ref). */
export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/**
 * One repository's folder in the Hub cache, laid out as Python's `huggingface_hub` lays it out:
 * `models--org--name/blobs/<etag>` holds each file once, `refs/<revision>` the commit a branch or tag
 * pointed at, `snapshots/<commit>/<path>` relative symbolic links into `blobs/`; lock files live in
 * `<cache>/.locks/models--org--name/`.
 *
 * @example
 * ```ts
 * const cache = new RepoCache('/home/me/.cache/huggingface/hub', { type: 'model', id: 'org/name' });
 * cache.snapshotPath('0123…', 'config.json');
 * ```
 */
export class RepoCache {
  /** `models--org--name` (or `datasets--…`). */
  readonly folderName: string;
  /** The repository's folder in the cache. */
  readonly root: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: HubRepo,
  ) {
    this.folderName = [`${repo.type}s`, ...repo.id.split('/')].join('--');
    this.root = join(cacheDir, this.folderName);
  }

  /** The blob of a file with this etag. */
  blobPath(etag: string): string {
    return join(this.root, 'blobs', etag);
  }

  /** A file of a snapshot. */
  snapshotPath(commit: string, path = ''): string {
    return join(this.root, 'snapshots', commit, path);
  }

  /**
   * The commit a branch or tag was last seen at, or undefined when the cache has no ref for it. A ref
   * file that does not hold a commit id (a 40-hex-digit git id) is a `HubError` (`malformed`) naming it.
   */
  async readRef(revision: string): Promise<string | undefined> {
    const path = join(this.root, 'refs', revision);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return undefined;
    }
    return checkHubShape(RefFileSchema, text, path, 'download the revision again online (the ref is rewritten), or delete the file');
  }

  /** Records that `revision` points at `commit` (no ref for a commit itself); a malformed ref is replaced. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const path = join(this.root, 'refs', revision);
    await mkdir(dirname(path), { recursive: true });
    const seen = await this.readRef(revision).catch(() => undefined);
    if (seen !== commit) {
      await writeFile(`${path}.tmp`, commit);
      await rename(`${path}.tmp`, path);
    }
  }

  /** Creates the lock file Python's downloader keeps beside each blob (it takes the same path). */
  async touchLock(etag: string): Promise<void> {
    const path = join(this.cacheDir, '.locks', this.folderName, `${etag}.lock`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '', { flag: 'a' });
  }

  /** Points `snapshots/<commit>/<path>` at the blob with a relative link (replacing a stale one). */
  async linkSnapshot(commit: string, path: string, etag: string): Promise<string> {
    const link = this.snapshotPath(commit, path);
    await mkdir(dirname(link), { recursive: true });
    const target = relative(dirname(link), this.blobPath(etag));
    try {
      const st = await lstat(link);
      if (st.isSymbolicLink() && (await readlink(link)) === target) return link;
      await unlink(link);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await symlink(target, link);
    return link;
  }

  /**
   * Records the repository's file listing at `commit` in `trees/<commit>.json`, the form Python's
   * `huggingface_hub` keeps so that a snapshot can be listed offline (kept when already there).
   */
  async writeTree(commit: string, files: readonly { path: string; size: number; etag: string; oid?: string; lfs?: boolean }[]): Promise<void> {
    const path = join(this.root, 'trees', `${commit}.json`);
    if (await exists(path)) return;
    const entries: Record<string, Record<string, unknown>> = {};
    for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      entries[f.path] = f.lfs ? { size: f.size, blob_id: f.oid, lfs_sha256: f.etag, lfs_size: f.size } : { size: f.size, blob_id: f.oid ?? f.etag };
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify({ format_version: 1, files: entries }, null, 1));
    await rename(`${path}.tmp`, path);
  }

  /** Marks the cache folder with a CACHEDIR.TAG (backup tools skip it), as Python's client does. */
  async tagCacheDir(): Promise<void> {
    const path = join(this.cacheDir, 'CACHEDIR.TAG');
    if (await exists(path)) return;
    await mkdir(this.cacheDir, { recursive: true });
    await writeFile(path, `${CACHEDIR_SIGNATURE}
# Hugging Face Hub cache (written by @peft/hub); see https://bford.info/cachedir/
`, { flag: 'wx' }).catch(() => undefined);
  }

  /** The files of a cached snapshot (paths relative to it), empty when it is absent. */
  async snapshotFiles(commit: string): Promise<string[]> {
    const root = this.snapshotPath(commit);
    try {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      const files: string[] = [];
      for (const e of entries) {
        const full = join(e.parentPath, e.name);
        if (e.isFile() || (e.isSymbolicLink() && (await exists(full)))) files.push(relative(root, full).split('\\').join('/'));
      }
      return files.sort();
    } catch {
      return [];
    }
  }
}

/** Whether a path exists (following links). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The hash a blob's etag promises: sha256 of the bytes for a 64-hex etag (Git LFS files), git's blob
 * sha1 (`blob <size>\0` + bytes) for a 40-hex one (small files); other etags promise nothing.
 */
function expectedDigest(etag: string): 'sha256' | 'git-sha1' | undefined {
  if (/^[0-9a-f]{64}$/.test(etag)) return 'sha256';
  if (/^[0-9a-f]{40}$/.test(etag)) return 'git-sha1';
  return undefined;
}

const verified = new Set<string>();

/**
 * Checks a blob against its metadata: its size (when known) and the hash its etag names. A mismatch is
 * a `HubError` (`integrity`) naming the file; a blob that passed once in this process is not read again.
 *
 * @example
 * ```ts
 * await verifyBlob(cache.blobPath(etag), etag, 1_234, 'org/name/model.safetensors');
 * ```
 */
export async function verifyBlob(path: string, etag: string, size: number | undefined, what: string): Promise<void> {
  const key = `${path}\0${etag}`;
  if (verified.has(key)) return;
  const got = (await stat(path)).size;
  if (size !== undefined && got !== size) throw new HubError('integrity', `${what}: the file has ${got} bytes but the Hub says ${size}; it is refused`);
  const kind = expectedDigest(etag);
  if (kind) {
    const hash = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
    if (kind === 'git-sha1') hash.update(`blob ${got}\0`);
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const digest = hash.digest('hex');
    if (digest !== etag) throw new HubError('integrity', `${what}: the file's ${kind === 'sha256' ? 'sha256' : 'git blob hash'} is ${digest}, expected ${etag}; it is refused`);
  }
  verified.add(key);
}

/** Forgets that blobs were verified (tests that corrupt a blob on purpose). */
export function forgetVerifiedBlobs(): void {
  verified.clear();
}

/** Removes a file if it is there. */
export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
