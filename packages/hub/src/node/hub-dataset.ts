import { HubError } from '../hub-error.js';
import { isRepoId, parseHfUrl } from '../repo-ref.js';
import { openSnapshot } from './hub-snapshot.js';
import { type HubOptions, hubSettings } from './hub-settings.js';

/** The data file kinds the trainer reads. */
const DATA_EXTENSIONS = ['.parquet', '.jsonl', '.ndjson', '.csv', '.txt'];

/**
 * A data file made local: its path in the cache and the name it has in messages (`hf://…`).
 *
 * @example
 * ```ts
 * const file: LocalDataFile = { path: '/cache/datasets--org--d/snapshots/…/train.jsonl', label: 'hf://datasets/org/d/train.jsonl' };
 * ```
 */
export interface LocalDataFile {
  readonly path: string;
  readonly label: string;
}

/**
 * Options of {@link hubDataFiles}: the split (default `train`), the revision, and any {@link HubOptions}.
 *
 * @example
 * ```ts
 * const opts: HubDataOptions = { split: 'validation' };
 * ```
 */
export interface HubDataOptions extends HubOptions {
  split?: string;
  revision?: string;
}

/**
 * Whether a data path names a Hub dataset (an `hf://` URL) rather than a local file.
 *
 * @example
 * ```ts
 * isHubDataPath('hf://datasets/org/data/train.parquet'); // true
 * ```
 */
export function isHubDataPath(path: string): boolean {
  return path.startsWith('hf://');
}

function matchesSplit(path: string, split: string): boolean {
  const parts = path.split('/');
  const name = parts.at(-1)!;
  if (parts.slice(0, -1).includes(split)) return true;
  return new RegExp(`^${split.replace(/[.]/g, '\\.')}(?:[-._]|$)`).test(name) || new RegExp(`[-_]${split}(?:[-._]|$)`).test(name);
}

/**
 * The local files of a Hub dataset: `hf://datasets/org/name/path/to/file` gives that file;
 * `hf://datasets/org/name[/folder]` or a bare id `org/name` give the data files (`.parquet`, `.jsonl`,
 * `.csv`, `.txt`) of the split, found as the `datasets` library finds them: a folder named after the
 * split, or file names starting with it (`train.jsonl`, `data/train-00000-of-00002.parquet`); when no
 * file names any split, every data file is the `train` split. Files go through the shared cache.
 *
 * @example
 * ```ts
 * const [file] = await hubDataFiles('hf://datasets/org/data/train.parquet');
 * const parts = await hubDataFiles('org/data', { split: 'validation' });
 * ```
 */
export async function hubDataFiles(spec: string, opts: HubDataOptions = {}): Promise<LocalDataFile[]> {
  const ref = spec.startsWith('hf://') ? parseHfUrl(spec) : isRepoId(spec) ? { repo: { type: 'dataset' as const, id: spec }, path: '', revision: undefined } : undefined;
  if (!ref) throw new HubError('argument', `expected hf://datasets/org/name/path or a dataset id "org/name", got ${JSON.stringify(spec)}`);
  if (ref.repo.type !== 'dataset') throw new HubError('argument', `${spec}: data comes from dataset repositories (hf://datasets/org/name/…)`);
  const settings = hubSettings(opts);
  const revision = ref.revision ?? opts.revision ?? 'main';
  const snap = await openSnapshot(ref.repo, revision, settings);
  const base = `hf://datasets/${ref.repo.id}${revision === 'main' ? '' : `@${revision}`}`;
  if (ref.path && snap.paths.includes(ref.path)) return [{ path: await snap.fetch(ref.path), label: `${base}/${ref.path}` }];
  const under = ref.path ? `${ref.path.replace(/\/+$/, '')}/` : '';
  const data = snap.paths.filter((p) => p.startsWith(under) && DATA_EXTENSIONS.some((e) => p.toLowerCase().endsWith(e)));
  if (ref.path && data.length === 0) {
    throw new HubError(snap.offline ? 'offline' : 'not-found', `${base}/${ref.path}: no such file${snap.offline ? ' in the cache (HF_HUB_OFFLINE=1)' : ''} (files: ${snap.paths.slice(0, 20).join(', ') || 'none'})`);
  }
  const split = opts.split ?? 'train';
  let chosen = data.filter((p) => matchesSplit(p.slice(under.length), split));
  const anySplit = data.some((p) => ['train', 'validation', 'valid', 'test', 'eval', 'dev'].some((s) => matchesSplit(p.slice(under.length), s)));
  if (chosen.length === 0 && split === 'train' && !anySplit) chosen = data;
  if (chosen.length === 0) {
    throw new HubError('not-found', `${base}${under ? `/${under}` : ''}: no data files for split "${split}" (data files: ${data.join(', ') || 'none'}; supported: ${DATA_EXTENSIONS.join(', ')})`);
  }
  const kinds = new Set(chosen.map((p) => p.slice(p.lastIndexOf('.'))));
  if (kinds.size > 1) throw new HubError('argument', `${base}: split "${split}" mixes file kinds (${[...kinds].join(', ')}); name one file with hf://datasets/${ref.repo.id}/<path>`);
  const out: LocalDataFile[] = [];
  for (const p of chosen.sort()) out.push({ path: await snap.fetch(p), label: `${base}/${p}` });
  return out;
}
