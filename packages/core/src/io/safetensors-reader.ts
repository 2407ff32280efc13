import { FileFormatError } from '../errors.js';
import { SAFETENSORS_DTYPE_INFO, safetensorsDecodedArray } from './safetensors-dtype.js';
import { decodeSafetensorsInto, requireLittleEndian } from './safetensors-codec.js';
import { type SafetensorsHeader, parseSafetensorsHeader, readSafetensorsHeaderLength } from './safetensors-header.js';
import { type ReadSafetensorsOptions, type SafetensorsContents, type SafetensorsTensor, selectSafetensorsNames } from './safetensors.js';

/**
 * Random access to the bytes of a file (a Node file handle, a browser `Blob`, an HTTP range
 * reader): what {@link readSafetensors} needs to load tensors without holding the whole file.
 *
 * @example
 * ```ts
 * const source: ByteSource = { size: bytes.length, read: async (t, p) => t.set(bytes.subarray(p, p + t.length)) };
 * ```
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Fills all of `target` with the bytes starting at `position`, or rejects. */
  read(target: Uint8Array, position: number): Promise<void>;
}

/**
 * Bytes read and decoded per step for tensors whose file form differs from their decoded form
 * (F16, BF16, F8, I64, U64); a multiple of 8, so steps never split an element.
 *
 * @example
 * ```ts
 * SAFETENSORS_DECODE_CHUNK_BYTES; // 1048576
 * ```
 */
export const SAFETENSORS_DECODE_CHUNK_BYTES = 1 << 20;

/**
 * Reads and validates the header of a safetensors file from a {@link ByteSource}: 8 bytes, then the
 * header itself once its length has been checked against the file size (so a bogus length never
 * causes a large allocation).
 *
 * @example
 * ```ts
 * const header = await readSafetensorsHeader(blobByteSource(file));
 * ```
 */
export async function readSafetensorsHeader(source: ByteSource): Promise<SafetensorsHeader> {
  const size = source.size;
  const prefix = new Uint8Array(8);
  if (size >= 8) await source.read(prefix, 0);
  const n = readSafetensorsHeaderLength(prefix, size);
  const headerBytes = new Uint8Array(n);
  await source.read(headerBytes, 8);
  return parseSafetensorsHeader(headerBytes, n, size - 8 - n);
}

/**
 * Loads tensors from a {@link ByteSource} without a whole-file buffer: the header first, then each
 * selected tensor's bytes read straight into its own typed array (F16/BF16/F8/I64/U64 decode
 * through a bounded scratch buffer unless `keepBytes` asks for their raw bytes too).
 *
 * @example
 * ```ts
 * const { tensors } = await readSafetensors(blobByteSource(file), { names: (n) => n.includes('lora_') });
 * ```
 */
export async function readSafetensors(source: ByteSource, opts: ReadSafetensorsOptions = {}): Promise<SafetensorsContents> {
  requireLittleEndian('readSafetensors');
  const header = await readSafetensorsHeader(source);
  const tensors = new Map<string, SafetensorsTensor>();
  let scratch: Uint8Array | null = null;
  for (const name of selectSafetensorsNames(header, opts.names)) {
    const { dtype, shape, dataOffsets } = header.tensors.get(name)!;
    const info = SAFETENSORS_DTYPE_INFO[dtype];
    const start = header.dataStart + dataOffsets[0];
    const nbytes = dataOffsets[1] - dataOffsets[0];
    const raw16 = opts.rawHalves === true && (dtype === 'F16' || dtype === 'BF16');
    const data = raw16 ? new Uint16Array(nbytes / 2) : safetensorsDecodedArray(dtype, nbytes / info.bytes);
    if (info.decode === 'as-is' || raw16) {
      const target = new Uint8Array(data.buffer, data.byteOffset, nbytes);
      if (nbytes > 0) await source.read(target, start);
      tensors.set(name, { dtype, shape, data, bytes: target });
    } else if (opts.keepBytes) {
      const raw = new Uint8Array(nbytes);
      if (nbytes > 0) await source.read(raw, start);
      decodeSafetensorsInto(dtype, raw, data, 0, name);
      tensors.set(name, { dtype, shape, data, bytes: raw });
    } else {
      scratch ??= new Uint8Array(SAFETENSORS_DECODE_CHUNK_BYTES);
      for (let done = 0; done < nbytes; done += scratch.length) {
        const piece = scratch.subarray(0, Math.min(scratch.length, nbytes - done));
        await source.read(piece, start + done);
        decodeSafetensorsInto(dtype, piece, data, done / info.bytes, name);
      }
      tensors.set(name, { dtype, shape, data });
    }
  }
  return { header, metadata: header.metadata, tensors };
}

/**
 * A {@link ByteSource} over a `Blob` or browser `File` (each read slices only the bytes it needs).
 *
 * @example
 * ```ts
 * const { tensors } = await readSafetensors(blobByteSource(input.files[0]));
 * ```
 */
export function blobByteSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    async read(target, position) {
      const got = new Uint8Array(await blob.slice(position, position + target.length).arrayBuffer());
      if (got.length !== target.length) {
        throw new FileFormatError(`safetensors: expected ${target.length} bytes at offset ${position}, got ${got.length} (did the file change while reading?)`);
      }
      target.set(got);
    },
  };
}
