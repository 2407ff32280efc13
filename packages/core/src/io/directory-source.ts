import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileByteSource } from './safetensors-file.js';
import type { CheckpointSource } from './checkpoint-source.js';

/**
 * A {@link CheckpointSource} over a local folder (a Hugging Face checkpoint as `save_pretrained`
 * writes it, or a snapshot from the hub cache). Node only.
 *
 * @example
 * ```ts
 * const model = await loadPretrained(directorySource('./gpt2'));
 * ```
 */
export function directorySource(dir: string): CheckpointSource {
  const path = (name: string): string => join(dir, name);
  return {
    label: dir,
    nameOrPath: dir,
    async has(name) {
      try {
        return (await stat(path(name))).isFile();
      } catch {
        return false;
      }
    },
    async readText(name) {
      try {
        return await readFile(path(name), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async withBytes(name, fn) {
      const handle = await open(path(name), 'r');
      try {
        const { size } = await handle.stat();
        return await fn(fileByteSource(handle, size, path(name)));
      } finally {
        await handle.close();
      }
    },
  };
}
