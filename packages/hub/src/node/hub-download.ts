import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type FileDownloadInfoOutput, datasetInfo, downloadFile, fileDownloadInfo, listFiles, modelInfo } from '@huggingface/hub';
import { checkedFetch, readWithin } from '../checked-fetch.js';
import { HubError, hubFailure } from '../hub-error.js';
import type { HubRepo } from '../repo-ref.js';
import { COMMIT_HASH, RepoCache, exists, removeFile, verifyBlob } from './hub-cache.js';
import type { HubSettings } from './hub-settings.js';
import { ProgressBar } from './progress-bar.js';

/**
 * A file of a repository at one commit, from the Hub's tree listing: its size and etag (the Git LFS
 * sha256 for large files, the git blob id for small ones), which name its blob in the cache.
 *
 * @example
 * ```ts
 * const entry: RepoFile = { path: 'config.json', size: 612, etag: '4a1c…' };
 * ```
 */
export interface RepoFile {
  readonly path: string;
  readonly size: number;
  readonly etag: string;
  /** The git blob id (of the LFS pointer for large files). */
  readonly oid?: string;
  /** Whether the file is stored with Git LFS (then `etag` is its sha256). */
  readonly lfs?: boolean;
}

/**
 * The credentials and endpoint the client takes, from the settings (the token only when it is one),
 * and the settings' fetch wrapped by {@link checkedFetch} (timeouts, checked answers).
 *
 * @example
 * ```ts
 * await modelInfo({ ...clientParams(hubSettings()), name: 'org/name' });
 * ```
 */
export function clientParams(settings: HubSettings): { hubUrl: string; accessToken?: string; fetch: typeof fetch } {
  const token = settings.token;
  if (token !== undefined && !token.startsWith('hf_')) {
    throw new HubError('auth', 'the Hub token (HF_TOKEN or the token file) does not look like an access token (they start with "hf_"); create one at https://huggingface.co/settings/tokens');
  }
  return { hubUrl: settings.endpoint, ...(token ? { accessToken: token } : {}), fetch: checkedFetch(settings.fetch, { timeoutMs: settings.timeoutMs }) };
}

function label(repo: HubRepo): string {
  return repo.type === 'dataset' ? `datasets/${repo.id}` : repo.id;
}

/**
 * The commit a revision (branch, tag or commit; default `main`) points at, asked of the Hub, and
 * recorded in the cache's `refs/`.
 *
 * @example
 * ```ts
 * const commit = await resolveCommit({ type: 'model', id: 'org/name' }, 'main', hubSettings());
 * ```
 */
export async function resolveCommit(repo: HubRepo, revision: string, settings: HubSettings): Promise<string> {
  const params = { ...clientParams(settings), name: repo.id, revision, additionalFields: ['sha'] as 'sha'[] };
  let sha: unknown;
  try {
    sha = repo.type === 'model' ? (await modelInfo(params)).sha : (await datasetInfo(params)).sha;
  } catch (e) {
    throw hubFailure(e, `${label(repo)}@${revision}`, { hasToken: settings.token !== undefined, token: settings.token });
  }
  // checkedFetch checked the answer against RevisionInfoSchema; this guards a fetch that bypassed it
  if (typeof sha !== 'string' || !COMMIT_HASH.test(sha)) throw new HubError('malformed', `${label(repo)}@${revision}: the Hub did not name a commit for this revision (got ${JSON.stringify(sha)})`);
  await new RepoCache(settings.cacheDir, repo).writeRef(revision, sha);
  return sha;
}

/**
 * Every file of the repository at `commit` (recursive tree listing), with sizes and etags.
 *
 * @example
 * ```ts
 * const files = await listRepoFiles(repo, commit, settings);
 * ```
 */
export async function listRepoFiles(repo: HubRepo, commit: string, settings: HubSettings): Promise<RepoFile[]> {
  const out: RepoFile[] = [];
  const seen = new Set<string>();
  try {
    // each page was checked against TreeListingSchema (checkedFetch); pages follow the Link header
    for await (const f of listFiles({ ...clientParams(settings), repo: { type: repo.type, name: repo.id }, revision: commit, recursive: true })) {
      if (seen.has(f.path)) throw new HubError('malformed', `${label(repo)}@${commit}: the Hub's file listing names "${f.path}" twice (its pages loop); refused`);
      if (seen.size >= MAX_LISTED) throw new HubError('malformed', `${label(repo)}@${commit}: the Hub's file listing goes past ${MAX_LISTED} entries; refused`);
      seen.add(f.path);
      if (f.type !== 'file') continue;
      const etag = f.lfs?.oid ?? f.oid;
      if (!etag) continue;
      out.push({ path: f.path, size: f.lfs?.size ?? f.size, etag, oid: f.oid, lfs: f.lfs !== undefined });
    }
  } catch (e) {
    throw hubFailure(e, `${label(repo)}@${commit}`, { hasToken: settings.token !== undefined, token: settings.token });
  }
  return out;
}

const ATTEMPTS = 4;
/** The most entries a repository's listing may have (the largest Hub repositories list a few hundred thousand files). */
const MAX_LISTED = 2_000_000;

/**
 * Makes `snapshots/<commit>/<path>` of the cache hold the file: a blob already there (put by Python or
 * by an earlier run) is checked and linked; otherwise it is downloaded into `blobs/<etag>.incomplete`,
 * resumed from where an interrupted download stopped (the connection is retried a few times in one
 * call, and a later call resumes too), checked against its size and hash, then renamed into place. A
 * cached blob that fails the check is deleted and fetched again. Returns the snapshot path.
 *
 * @example
 * ```ts
 * const path = await ensureCachedFile(repo, commit, { path: 'config.json', size: 612, etag }, settings);
 * ```
 */
export async function ensureCachedFile(repo: HubRepo, commit: string, file: RepoFile, settings: HubSettings): Promise<string> {
  const cache = new RepoCache(settings.cacheDir, repo);
  const blob = cache.blobPath(file.etag);
  const what = `${label(repo)}/${file.path}`;
  await cache.touchLock(file.etag);
  if (await exists(blob)) {
    try {
      if (settings.verify) await verifyBlob(blob, file.etag, file.size, what);
      return await cache.linkSnapshot(commit, file.path, file.etag);
    } catch (e) {
      if (!(e instanceof HubError && e.reason === 'integrity')) throw e;
      settings.progress?.write(`${e.message}; fetching it again\n`);
      await removeFile(blob);
    }
  }
  await mkdir(dirname(blob), { recursive: true });
  const partial = `${blob}.incomplete`;
  const resumed = await downloadInto(repo, commit, file, partial, settings);
  try {
    await verifyBlob(partial, file.etag, file.size, what);
  } catch (e) {
    await removeFile(partial);
    if (!resumed || !(e instanceof HubError && e.reason === 'integrity')) throw e;
    // bytes kept from an earlier try may be what was wrong: once more, from the first byte
    settings.progress?.write(`${e.message}; the download had resumed from bytes kept earlier, so it starts again from zero\n`);
    await downloadInto(repo, commit, file, partial, settings);
    try {
      await verifyBlob(partial, file.etag, file.size, what);
    } catch (again) {
      await removeFile(partial);
      throw again;
    }
  }
  await rename(partial, blob);
  return cache.linkSnapshot(commit, file.path, file.etag);
}

/**
 * Fills `partial` with the file's bytes, resuming from what it holds, in up to {@link ATTEMPTS}
 * tries; returns whether any try resumed from bytes kept before it. Bytes that contradict the
 * metadata are removed, not kept for a later resume.
 */
async function downloadInto(repo: HubRepo, commit: string, file: RepoFile, partial: string, settings: HubSettings): Promise<boolean> {
  const what = `${label(repo)}/${file.path}`;
  let lastError: unknown;
  let resumed = false;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const start = await sizeOf(partial);
    if (start > file.size) await truncate(partial, 0);
    if (start > 0 && start <= file.size) resumed = true;
    try {
      await fetchInto(repo, commit, file, partial, Math.min(start, file.size), settings);
      return resumed;
    } catch (e) {
      if (e instanceof HubError && e.reason !== 'network') {
        if (e.reason === 'integrity') await removeFile(partial);
        throw e;
      }
      lastError = e;
    }
  }
  const kept = await sizeOf(partial);
  const why = `${what}: the download failed after ${ATTEMPTS} tries (${kept} of ${file.size} bytes kept in the cache; running again resumes from there, and checks them)`;
  if (lastError instanceof HubError) throw new HubError(lastError.reason, `${why}: ${lastError.message}`, { status: lastError.status, cause: lastError });
  throw hubFailure(lastError, why, { hasToken: settings.token !== undefined, token: settings.token });
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * The download's metadata from the Hub's headers (checked against DownloadHeadersSchema by
 * checkedFetch), compared with the listing's: a size that disagrees is refused before any byte is
 * written.
 */
async function downloadInfo(repo: HubRepo, commit: string, file: RepoFile, settings: HubSettings): Promise<FileDownloadInfoOutput> {
  const what = `${label(repo)}/${file.path}`;
  let info: FileDownloadInfoOutput | null;
  try {
    info = await fileDownloadInfo({ ...clientParams(settings), repo: { type: repo.type, name: repo.id }, path: file.path, revision: commit });
  } catch (e) {
    throw hubFailure(e, what, { hasToken: settings.token !== undefined, token: settings.token });
  }
  if (!info) throw new HubError('not-found', `${what}: not found at commit ${commit}`);
  if (info.size !== file.size) throw new HubError('integrity', `${what}: the download's headers give ${info.size} bytes but the file listing says ${file.size}; refused`);
  // the id in the headers is not compared: after a redirect it is the CDN's (its own hash, or an MD5);
  // the bytes are checked against the listing's id once downloaded
  return info;
}

async function fetchInto(repo: HubRepo, commit: string, file: RepoFile, partial: string, start: number, settings: HubSettings): Promise<void> {
  const what = `${label(repo)}/${file.path}`;
  if (file.size === 0) return writeFile(partial, new Uint8Array(0));
  if (start === file.size) return;
  const info = await downloadInfo(repo, commit, file, settings);
  let blob: Blob | null;
  try {
    blob = await downloadFile({ ...clientParams(settings), repo: { type: repo.type, name: repo.id }, path: file.path, revision: commit, downloadInfo: info });
  } catch (e) {
    throw hubFailure(e, what, { hasToken: settings.token !== undefined, token: settings.token });
  }
  if (!blob) throw new HubError('not-found', `${what}: not found at commit ${commit}`);
  const bar = new ProgressBar(settings.progress, what, file.size, start);
  const out = createWriteStream(partial, { flags: start > 0 ? 'a' : 'w' });
  let written = start;
  try {
    const reader = (start > 0 ? blob.slice(start) : blob).stream().getReader();
    for (;;) {
      const { done, value } = await readWithin(reader, settings.timeoutMs, what);
      if (done) break;
      written += value.byteLength;
      if (written > file.size) {
        reader.cancel().catch(() => undefined);
        throw new HubError('integrity', `${what}: the Hub sent more than the ${file.size} bytes the file listing announced; refused`);
      }
      if (!out.write(value)) await new Promise<void>((resolve) => out.once('drain', resolve));
      bar.advance(value.byteLength);
    }
  } finally {
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  const got = await sizeOf(partial);
  if (got < file.size) throw new HubError('network', `${what}: the connection ended after ${got} of ${file.size} bytes`);
  bar.finish();
}
