import { FileFormatError } from '../errors.js';
import type { CheckpointSource } from './checkpoint-source.js';
import { blobByteSource } from './safetensors-reader.js';

/**
 * A {@link CheckpointSource} over files the user picked in a browser (`<input type="file" multiple>`,
 * a folder from `webkitdirectory`, or files dropped on the page), found by their names
 * (`config.json`, `adapter_model.safetensors`, …; the folder part of a name is ignored). Weights are
 * read in slices, never copied whole. A name given twice is an error.
 *
 * @example
 * ```ts
 * input.onchange = async () => {
 *   await peft.loadAdapter(fileSource(input.files!), 'mine');
 * };
 * ```
 */
export function fileSource(files: Iterable<File> | ArrayLike<File>, label = 'files'): CheckpointSource {
  const byName = new Map<string, File>();
  for (const f of Array.from(files as ArrayLike<File>)) {
    const name = f.name.slice(f.name.lastIndexOf('/') + 1);
    if (byName.has(name)) throw new FileFormatError(`fileSource: two files are named "${name}"; pick one folder's files`);
    byName.set(name, f);
  }
  return {
    label,
    has: (name) => Promise.resolve(byName.has(name)),
    readText: async (name) => byName.get(name)?.text(),
    async withBytes(name, fn) {
      const f = byName.get(name);
      if (!f) throw new FileFormatError(`fileSource: no file "${name}" among ${[...byName.keys()].join(', ') || 'no files'}`);
      return fn(blobByteSource(f));
    },
  };
}
