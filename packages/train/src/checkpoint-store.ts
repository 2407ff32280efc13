import { type AdapterFiles, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, type Backend, ConfigError, DEFAULT_ADAPTER } from '@peft/core';
import { type CheckpointContents, checkpointName, decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';

/**
 * One saved checkpoint in a {@link CheckpointStore}: its step and where it is (a folder path for the
 * file store, a name for the memory store).
 *
 * @example
 * ```ts
 * const latest: CheckpointEntry | undefined = (await store.list()).at(-1);
 * ```
 */
export interface CheckpointEntry {
  readonly step: number;
  readonly path: string;
}

/**
 * Where a {@link Trainer} keeps its checkpoints. `checkpointFileStore(dir)` from `@peft/train/node`
 * writes folders atomically on disk; {@link memoryCheckpointStore} keeps them in memory (browsers,
 * tests). A store of your own (IndexedDB, OPFS) implements these five methods.
 *
 * @example
 * ```ts
 * const trainer = new Trainer(peft, { args: { saveSteps: 50 }, train: source, checkpoints: memoryCheckpointStore() });
 * ```
 */
export interface CheckpointStore {
  /** A label for messages (the folder, or `memory`). */
  readonly label: string;
  /**
   * Saves the checkpoint of `step` with the adapters' files (by adapter name) as one unit, replacing
   * one of the same step; resolves to its path. The tensors are read during the call.
   */
  save(step: number, contents: CheckpointContents, adapters: ReadonlyMap<string, AdapterFiles>): Promise<string>;
  /** Reads the checkpoint at `path` back (tensors on `backend`; the caller disposes them). */
  load(path: string, backend?: Backend): Promise<CheckpointContents>;
  /** The saved checkpoints, oldest step first. */
  list(): Promise<CheckpointEntry[]>;
  /** Deletes the oldest checkpoints so that at most `keep` remain. */
  prune(keep: number): Promise<void>;
  /** Clears what an interrupted save left behind; resolves to the names removed. */
  removeStale(): Promise<string[]>;
}

/**
 * The files of the adapters in a checkpoint, named as `saveAdapter` lays them out: the `default`
 * adapter's two files at the top, any other adapter's in a folder of its name.
 *
 * @example
 * ```ts
 * adapterCheckpointFiles(new Map([['default', files]])); // Map { 'adapter_config.json' => …, 'adapter_model.safetensors' => … }
 * ```
 */
export function adapterCheckpointFiles(adapters: ReadonlyMap<string, AdapterFiles>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [name, files] of adapters) {
    const prefix = name === DEFAULT_ADAPTER ? '' : `${name}/`;
    out.set(`${prefix}${ADAPTER_WEIGHTS_FILE}`, files.weights);
    out.set(`${prefix}${ADAPTER_CONFIG_FILE}`, new TextEncoder().encode(files.config));
  }
  return out;
}

/**
 * A {@link CheckpointStore} in memory: each checkpoint is kept as the bytes of its files (the same
 * files the file store writes), so `files(path)` can be offered as downloads. Paths are
 * `checkpoint-<step>`. Nothing survives a page reload.
 *
 * @example
 * ```ts
 * const store = memoryCheckpointStore();
 * await new Trainer(peft, { args: { maxSteps: 20, saveSteps: 10 }, train: source, checkpoints: store }).train();
 * store.files('checkpoint-20')?.get('adapter_model.safetensors'); // Uint8Array
 * ```
 */
export function memoryCheckpointStore(): CheckpointStore & { files(path: string): ReadonlyMap<string, Uint8Array> | undefined } {
  const saved = new Map<string, { step: number; files: Map<string, Uint8Array> }>();
  const list = (): CheckpointEntry[] => [...saved.entries()].map(([path, c]) => ({ step: c.step, path })).sort((a, b) => a.step - b.step);
  return {
    label: 'memory',
    async save(step, contents, adapters) {
      const files = new Map([...adapterCheckpointFiles(adapters), ...(await encodeCheckpoint(contents))]);
      const path = checkpointName(step);
      saved.set(path, { step, files });
      return path;
    },
    load(path, backend) {
      const c = saved.get(path);
      if (!c) return Promise.reject(new ConfigError(`resume: no checkpoint "${path}" in memory (saved: ${list().map((e) => e.path).join(', ') || 'none'})`));
      const read = (name: string): Promise<Uint8Array> => {
        const bytes = c.files.get(name);
        return bytes ? Promise.resolve(bytes) : Promise.reject(new ConfigError(`resume: ${path}/${name} is missing`));
      };
      return decodeCheckpoint(read, path, backend);
    },
    list: () => Promise.resolve(list()),
    prune(keep) {
      const all = list();
      for (const c of all.slice(0, Math.max(0, all.length - keep))) saved.delete(c.path);
      return Promise.resolve();
    },
    removeStale: () => Promise.resolve([]),
    files: (path) => saved.get(path)?.files,
  };
}
