import { type FileHandle, open } from 'node:fs/promises';
import { FileFormatError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { BufferedWriter, writeFileAtomic } from './atomic-write.js';
import type { SafetensorsHeader } from './safetensors-header.js';
import { type ByteSource, readSafetensors, readSafetensorsHeader } from './safetensors-reader.js';
import type { ReadSafetensorsOptions, SafetensorsContents } from './safetensors.js';
import {
  type LoadedTensors,
  type SaveTensorsOptions,
  type ToTensorsOptions,
  safetensorsDTypes,
  safetensorsFromTensors,
  tensorsFromSafetensors,
} from './safetensors-tensors.js';
import { type SafetensorsInputs, planSafetensors } from './safetensors-writer.js';

const MAX_READ = 1 << 30;

/**
 * A {@link ByteSource} over an open Node file handle (reads loop over short reads; a file that ends
 * early gives a `FileFormatError`). Node only.
 *
 * @example
 * ```ts
 * const h = await open(path, 'r');
 * const header = await readSafetensorsHeader(fileByteSource(h, (await h.stat()).size, path));
 * ```
 */
export function fileByteSource(handle: FileHandle, size: number, label = 'file'): ByteSource {
  return {
    size,
    async read(target, position) {
      let done = 0;
      while (done < target.length) {
        const { bytesRead } = await handle.read(target, done, Math.min(target.length - done, MAX_READ), position + done);
        if (bytesRead === 0) {
          throw new FileFormatError(
            `safetensors: ${label}: expected ${target.length} bytes at offset ${position}, but the file ended after ${done} (did it change while reading?)`,
          );
        }
        done += bytesRead;
      }
    },
  };
}

async function withFile<T>(path: string, fn: (source: ByteSource) => Promise<T>): Promise<T> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await fn(fileByteSource(handle, size, path));
  } catch (e) {
    if (e instanceof FileFormatError && !e.message.includes(path)) {
      throw new FileFormatError(e.message.replace(/^safetensors:/, `safetensors: ${path}:`), { cause: e });
    }
    throw e;
  } finally {
    await handle.close();
  }
}

/**
 * Reads and validates only the header of a safetensors file. Node only.
 *
 * @example
 * ```ts
 * const { tensors, metadata } = await readSafetensorsFileHeader('model.safetensors');
 * ```
 */
export function readSafetensorsFileHeader(path: string): Promise<SafetensorsHeader> {
  return withFile(path, readSafetensorsHeader);
}

/**
 * Loads a safetensors file without holding it twice in memory: the 8-byte length and the header are
 * read and validated against the file size first; then each selected tensor's bytes are read
 * straight into its own typed array (F16/BF16 converted per tensor through a bounded scratch
 * buffer). Errors about the file's contents are `FileFormatError`s naming the path. Node only.
 *
 * @example
 * ```ts
 * const { metadata, tensors } = await loadSafetensorsFile('adapter_model.safetensors');
 * const a = tensors.get('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight')!.data;
 * ```
 */
export function loadSafetensorsFile(path: string, opts: ReadSafetensorsOptions = {}): Promise<SafetensorsContents> {
  return withFile(path, (source) => readSafetensors(source, opts));
}

/**
 * Loads a safetensors file into tensors on a backend. Node only.
 *
 * @example
 * ```ts
 * const { tensors, dtypes } = await loadTensorsFile('model.safetensors', { backend });
 * ```
 */
export async function loadTensorsFile(path: string, opts: ToTensorsOptions & ReadSafetensorsOptions = {}): Promise<LoadedTensors> {
  const contents = await loadSafetensorsFile(path, opts);
  return { tensors: tensorsFromSafetensors(contents, opts), metadata: contents.metadata, dtypes: safetensorsDTypes(contents) };
}

/**
 * Writes named tensors to a safetensors file atomically (temporary file in the same directory,
 * fsync, rename): the bytes are exactly what `serializeSafetensors` returns, written tensor by
 * tensor, and a failure part-way leaves any previous file intact. Node only.
 *
 * @example
 * ```ts
 * await saveSafetensorsFile('out.safetensors', { w: { dtype: 'F32', shape: [2], data: [1, 2] } }, { format: 'pt' });
 * ```
 */
export async function saveSafetensorsFile(path: string, tensors: SafetensorsInputs, metadata?: Readonly<Record<string, string>>): Promise<void> {
  const plan = planSafetensors(tensors, metadata);
  await writeFileAtomic(path, async (handle) => {
    const w = new BufferedWriter(handle);
    await w.write(plan.head);
    for (const t of plan.order) await w.write(t.encode());
    await w.flush();
  });
}

/**
 * Saves tensors to a safetensors file atomically, reading each back from its backend first. Node only.
 *
 * @example
 * ```ts
 * await saveTensorsFile('adapter_model.safetensors', state, { metadata: { format: 'pt' } });
 * ```
 */
export async function saveTensorsFile(
  path: string,
  tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>,
  opts: SaveTensorsOptions = {},
): Promise<void> {
  await saveSafetensorsFile(path, await safetensorsFromTensors(tensors, opts), opts.metadata);
}
