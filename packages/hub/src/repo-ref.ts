import { HubError } from './hub-error.js';

/**
 * A Hub repository: its kind and id (`org/name`).
 *
 * @example
 * ```ts
 * const repo: HubRepo = { type: 'dataset', id: 'org/data' };
 * ```
 */
export interface HubRepo {
  readonly type: 'model' | 'dataset';
  readonly id: string;
}

/**
 * A file in a Hub repository, as an `hf://` URL names it.
 *
 * @example
 * ```ts
 * const ref: HubFileRef = { repo: { type: 'dataset', id: 'org/data' }, path: 'train.jsonl', revision: undefined };
 * ```
 */
export interface HubFileRef {
  readonly repo: HubRepo;
  /** The path inside the repository; empty when the URL names the whole repository. */
  readonly path: string;
  readonly revision: string | undefined;
}

const ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

/**
 * Whether `text` has the shape of a Hub repository id (`name` or `org/name`, letters, digits, `-`,
 * `_`, `.`; no `..`, no leading `.` or `/`).
 *
 * @example
 * ```ts
 * isRepoId('HuggingFaceTB/SmolLM2-135M'); // true
 * isRepoId('./models/gpt2'); // false
 * ```
 */
export function isRepoId(text: string): boolean {
  return ID.test(text) && !text.includes('..') && !text.endsWith('.');
}

/**
 * Checks a repository id and returns it; a `HubError` (`argument`) says what an id looks like.
 *
 * @example
 * ```ts
 * repoId('user/my-lora'); // 'user/my-lora'
 * ```
 */
export function repoId(text: string, what = 'repository'): string {
  if (!isRepoId(text)) throw new HubError('argument', `${what}: expected a Hub id such as "org/name", got ${JSON.stringify(text)}`);
  return text;
}

/**
 * Parses `hf://datasets/org/name[@revision]/path/to/file` (also `hf://org/name/…` for models, as
 * `huggingface_hub`'s file system writes them).
 *
 * @example
 * ```ts
 * parseHfUrl('hf://datasets/org/data/train.parquet'); // { repo: { type: 'dataset', id: 'org/data' }, path: 'train.parquet', revision: undefined }
 * ```
 */
export function parseHfUrl(url: string): HubFileRef {
  if (!url.startsWith('hf://')) throw new HubError('argument', `expected an hf:// URL (hf://datasets/org/name/path), got ${JSON.stringify(url)}`);
  let rest = url.slice('hf://'.length);
  let type: HubRepo['type'] = 'model';
  if (rest.startsWith('datasets/')) {
    type = 'dataset';
    rest = rest.slice('datasets/'.length);
  } else if (rest.startsWith('models/')) rest = rest.slice('models/'.length);
  const parts = rest.split('/');
  if (parts.length < 2 || !parts[0] || !parts[1]) throw new HubError('argument', `${url}: expected hf://datasets/org/name/path/to/file`);
  let name = parts[1];
  let revision: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    revision = decodeURIComponent(name.slice(at + 1));
    name = name.slice(0, at);
  }
  const id = repoId(`${parts[0]}/${name}`, url);
  const path = parts.slice(2).join('/');
  if (path.split('/').some((p) => p === '..')) throw new HubError('argument', `${url}: a path inside the repository may not contain ".."`);
  return { repo: { type, id }, path, revision };
}
