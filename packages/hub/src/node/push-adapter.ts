import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type CommitOutput, commitIter, createBranch, createRepo } from '@huggingface/hub';
import { HubError, hubFailure } from '../hub-error.js';
import { adapterModelCard } from '../model-card.js';
import { repoId } from '../repo-ref.js';
import { clientParams } from './hub-download.js';
import { type HubOptions, hubSettings } from './hub-settings.js';
import { formatBytes } from './progress-bar.js';

const ADAPTER_FILES = ['adapter_config.json', 'adapter_model.safetensors'];

/**
 * Options of {@link pushAdapter}.
 *
 * @example
 * ```ts
 * const opts: PushAdapterOptions = { repo: 'me/my-lora', private: true, commitMessage: 'LoRA r=8 on org/data' };
 * ```
 */
export interface PushAdapterOptions extends HubOptions {
  /** The repository, `user/name` (created when missing). */
  repo: string;
  /** Create the repository private (only when it does not exist yet). */
  private?: boolean;
  /** The branch to commit to (default `main`; created from `main` when missing). */
  revision?: string;
  /** The commit title (default: "Upload <PEFT type> adapter"). */
  commitMessage?: string;
}

/**
 * What {@link pushAdapter} committed.
 *
 * @example
 * ```ts
 * const { commit, files } = await pushAdapter('out/my-lora', { repo: 'me/my-lora' });
 * ```
 */
export interface PushResult {
  readonly repo: string;
  readonly commit: string | undefined;
  readonly url: string;
  readonly files: readonly string[];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The adapter files of a folder: the default adapter's two files and README.md, and each named adapter's subfolder. */
async function adapterPaths(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of [...ADAPTER_FILES, 'README.md']) if (await isFile(join(dir, f))) out.push(f);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.') || e.name.startsWith('checkpoint-')) continue;
    if (await isFile(join(dir, e.name, 'adapter_config.json'))) for (const f of ADAPTER_FILES) if (await isFile(join(dir, e.name, f))) out.push(`${e.name}/${f}`);
  }
  return out;
}

/**
 * Pushes a saved adapter to the Hub in one commit: creates the repository when needed (private on
 * request), then uploads `adapter_config.json`, `adapter_model.safetensors`, the subfolders of named
 * adapters, and the model card (`README.md` from the folder, as `peft train` writes it, else one made
 * from the adapter's config with PEFT's metadata). Progress goes to `progress` (stderr by default). A
 * token is required (`HF_TOKEN` or the login file) and never appears in messages.
 *
 * @example
 * ```ts
 * import { pushAdapter } from '@peft/hub/node';
 * const { url } = await pushAdapter('out/my-lora', { repo: 'me/my-lora', private: true });
 * ```
 */
export async function pushAdapter(dir: string, opts: PushAdapterOptions): Promise<PushResult> {
  const repo = repoId(opts.repo, 'push: --repo');
  if (!repo.includes('/')) throw new HubError('argument', `push: --repo must name an owner and a repository ("user/name"), got ${JSON.stringify(repo)}`);
  const settings = hubSettings(opts);
  if (settings.offline) throw new HubError('offline', `push: HF_HUB_OFFLINE=1 forbids talking to the Hub; unset it to push ${repo}`);
  if (!settings.token) throw new HubError('auth', `push: pushing to ${repo} needs a token with write access; set HF_TOKEN (or log in with \`hf auth login\`)`);
  const params = { ...clientParams(settings), accessToken: settings.token };
  const paths = await adapterPaths(dir);
  if (!paths.includes('adapter_config.json')) throw new HubError('argument', `push: ${dir} has no adapter_config.json; expected a folder written by saveAdapter or peft train`);
  const configText = await readFile(join(dir, 'adapter_config.json'), 'utf8');
  const files: { path: string; content: Blob }[] = [];
  for (const p of paths) files.push({ path: p, content: new Blob([new Uint8Array(await readFile(join(dir, p)))]) });
  if (!paths.includes('README.md')) {
    let config: Record<string, unknown>;
    try {
      config = JSON.parse(configText) as Record<string, unknown>;
    } catch (e) {
      throw new HubError('argument', `push: ${dir}/adapter_config.json is not valid JSON (${(e as Error).message})`);
    }
    files.push({ path: 'README.md', content: new Blob([adapterModelCard({ adapterConfig: config }, repo)]) });
  }
  const fail = (e: unknown, what: string): HubError => hubFailure(e, what, { hasToken: true, token: settings.token });
  try {
    await createRepo({ ...params, repo: { type: 'model', name: repo }, private: opts.private ?? false });
    settings.progress?.write(`push: created ${opts.private ? 'private ' : ''}repository ${repo}\n`);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 409) throw fail(e, `push: creating ${repo}`);
  }
  const branch = opts.revision ?? 'main';
  if (branch !== 'main') {
    try {
      await createBranch({ ...params, repo: { type: 'model', name: repo }, branch });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 409) throw fail(e, `push: creating branch ${branch} of ${repo}`);
    }
  }
  let peftType = 'PEFT';
  try {
    peftType = String((JSON.parse(configText) as { peft_type?: unknown }).peft_type ?? peftType);
  } catch {
    // the message is only a title
  }
  const total = files.reduce((n, f) => n + f.content.size, 0);
  settings.progress?.write(`push: ${files.length} files (${formatBytes(total)}) to ${repo}@${branch}\n`);
  let output: CommitOutput | undefined;
  try {
    // commitIter, not uploadFilesWithProgress: that one replaces the fetch it is given with the global
    // one, so the answers would reach the client unchecked and without timeouts
    const it = commitIter({
      ...params,
      repo: { type: 'model', name: repo },
      operations: files.map((f) => ({ operation: 'addOrUpdate' as const, path: f.path, content: f.content })),
      branch,
      title: opts.commitMessage ?? `Upload ${peftType} adapter`,
      useXet: false,
    });
    const shown = new Set<string>();
    for (;;) {
      const step = await it.next();
      if (step.done) {
        output = step.value;
        break;
      }
      const ev = step.value;
      if (ev.event === 'phase') settings.progress?.write(`push: ${ev.phase === 'preuploading' ? 'preparing' : ev.phase === 'uploadingLargeFiles' ? 'uploading large files' : 'committing'}\n`);
      else if (ev.state === 'uploading' && ev.progress >= 1 && !shown.has(ev.path)) {
        shown.add(ev.path);
        settings.progress?.write(`push: uploaded ${ev.path}\n`);
      }
    }
  } catch (e) {
    throw fail(e, `push: uploading to ${repo}`);
  }
  const commit = output?.commit.oid;
  const url = `${settings.endpoint}/${repo}${branch === 'main' ? '' : `/tree/${encodeURIComponent(branch)}`}`;
  settings.progress?.write(`push: committed ${commit ?? '(no commit id)'}: ${url}\n`);
  return { repo, commit, url, files: files.map((f) => f.path) };
}
