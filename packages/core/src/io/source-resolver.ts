import { ArgumentError } from '../errors.js';
import type { CheckpointSource } from './checkpoint-source.js';

/**
 * Turns a name that is not a local folder (a Hugging Face Hub id such as `org/name`) into a
 * {@link CheckpointSource}; `undefined` when it does not handle the name. Installed with
 * {@link setSourceResolver} (`enableHub()` from `@peft/hub/node` installs one that reads the Hub cache).
 *
 * @example
 * ```ts
 * const resolver: SourceResolver = async (name, opts) => (name.includes('/') ? myHubSource(name, opts) : undefined);
 * ```
 */
export type SourceResolver = (name: string, opts: SourceResolveOptions) => Promise<CheckpointSource | undefined>;

/**
 * What a string source may carry besides its name: a Hub revision (branch, tag or commit) and a
 * subfolder (a named adapter inside a repository), as Hugging Face's `from_pretrained` takes them.
 *
 * @example
 * ```ts
 * const opts: SourceResolveOptions = { revision: 'v1', subfolder: 'other', kind: 'adapter' };
 * ```
 */
export interface SourceResolveOptions {
  readonly revision?: string;
  readonly subfolder?: string;
  /** What the files are for, so a resolver fetches only those: a base model or an adapter. */
  readonly kind: 'model' | 'adapter';
}

let resolver: SourceResolver | undefined;

/**
 * Installs (or with `undefined` removes) the resolver that string sources which are not local folders
 * go through: `loadPretrained('org/name')`, `PeftModel.fromPretrained(model, 'user/adapter')`.
 *
 * @example
 * ```ts
 * setSourceResolver(async (name) => memorySource(files[name], name));
 * ```
 */
export function setSourceResolver(next: SourceResolver | undefined): void {
  resolver = next;
}

/**
 * Opens a string source: a local folder when the path exists (a path wins over an id), else through
 * the installed {@link SourceResolver}; without one, an `ArgumentError` that says how to load Hub ids.
 *
 * @example
 * ```ts
 * const source = await openSource('./models/gpt2', { kind: 'model' });
 * ```
 */
export async function openSource(name: string, opts: SourceResolveOptions): Promise<CheckpointSource> {
  const local = await localFolder(name, opts.subfolder);
  if (local) return local;
  const resolved = await resolver?.(name, opts);
  if (resolved) return resolved;
  const where = opts.subfolder ? `${name}/${opts.subfolder}` : name;
  if (resolver === undefined && /^[\w.-]+(\/[\w.-]+)?$/.test(name) && !name.startsWith('.')) {
    throw new ArgumentError(
      `"${where}" is not a local folder; to load it as a Hugging Face Hub id, install @peft/hub and call enableHub() from @peft/hub/node (or pass a folder path)`,
    );
  }
  if (typeof process === 'undefined' || !process.versions?.node) throw new ArgumentError(`"${where}": no source resolver is installed to open it in this environment`);
  const { directorySource } = await import('./directory-source.js');
  return directorySource(opts.subfolder ? `${name}/${opts.subfolder}` : name);
}

async function localFolder(name: string, subfolder: string | undefined): Promise<CheckpointSource | undefined> {
  if (typeof process === 'undefined' || !process.versions?.node) return undefined;
  const { stat } = await import('node:fs/promises');
  const dir = subfolder ? `${name}/${subfolder}` : name;
  try {
    if (!(await stat(name)).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const { directorySource } = await import('./directory-source.js');
  return directorySource(dir);
}
