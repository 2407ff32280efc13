import type { ByteSource } from './safetensors-reader.js';

/**
 * Where a checkpoint's files come from: a local folder in Node (`directorySource` from
 * `@peft/core/node`), fetched files or `File`s in a browser, or bytes in memory. Files are named as
 * in the checkpoint folder (`config.json`, `model.safetensors`, `tokenizer.json`).
 *
 * @example
 * ```ts
 * const source: CheckpointSource = memorySource({ 'config.json': configText, 'model.safetensors': bytes });
 * ```
 */
export interface CheckpointSource {
  /** A label for messages (the folder path). */
  readonly label: string;
  /**
   * The name the checkpoint was opened by (a folder path or a Hub id), recorded as the model's
   * `_name_or_path` and, through it, as an adapter's `base_model_name_or_path`, as transformers does.
   */
  readonly nameOrPath?: string;
  /** Whether the file exists. */
  has(name: string): Promise<boolean>;
  /** The file's text, or undefined when it does not exist. */
  readText(name: string): Promise<string | undefined>;
  /** Runs `fn` with random access to the file's bytes (the file is closed afterwards). Rejects when it does not exist. */
  withBytes<T>(name: string, fn: (bytes: ByteSource) => Promise<T>): Promise<T>;
}

/**
 * A {@link CheckpointSource} over files held in memory (strings or bytes): for browsers that fetched
 * the files, and for tests.
 *
 * @example
 * ```ts
 * const source = memorySource({ 'config.json': JSON.stringify(config), 'model.safetensors': bytes });
 * const model = await loadPretrained(source);
 * ```
 */
export function memorySource(files: Readonly<Record<string, string | Uint8Array>>, label = 'memory'): CheckpointSource {
  const get = (name: string): string | Uint8Array | undefined => (Object.hasOwn(files, name) ? files[name] : undefined);
  return {
    label,
    has: (name) => Promise.resolve(get(name) !== undefined),
    readText: (name) => {
      const f = get(name);
      return Promise.resolve(f === undefined ? undefined : typeof f === 'string' ? f : new TextDecoder().decode(f));
    },
    withBytes: async (name, fn) => {
      const f = get(name);
      if (f === undefined) throw new Error(`${label}: no file "${name}"`);
      const bytes = typeof f === 'string' ? new TextEncoder().encode(f) : f;
      return fn({
        size: bytes.length,
        read: (target, position) => {
          if (position < 0 || position + target.length > bytes.length) {
            return Promise.reject(new RangeError(`${label}/${name}: read of ${target.length} bytes at ${position} is past the end (${bytes.length} bytes)`));
          }
          target.set(bytes.subarray(position, position + target.length));
          return Promise.resolve();
        },
      });
    },
  };
}
