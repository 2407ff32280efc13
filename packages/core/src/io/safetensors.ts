import { FileFormatError } from '../errors.js';
import type { SafetensorsArray, SafetensorsDType } from './safetensors-dtype.js';
import { decodeSafetensorsBytes, requireLittleEndian } from './safetensors-codec.js';
import { type SafetensorsHeader, parseSafetensorsHeader, readSafetensorsHeaderLength } from './safetensors-header.js';

/**
 * One tensor read from a safetensors file.
 *
 * @example
 * ```ts
 * const t = parseSafetensors(bytes).tensors.get('lm_head.weight')!;
 * console.log(t.dtype, t.shape, t.data[0]);
 * ```
 */
export interface SafetensorsTensor {
  /** Element type in the file. */
  readonly dtype: SafetensorsDType;
  /** Sizes of each axis. */
  readonly shape: readonly number[];
  /** Decoded values in their own memory (see `SafetensorsArray`: F16/BF16 widen to f32, I64 to i32). */
  readonly data: SafetensorsArray;
  /**
   * The tensor's raw little-endian bytes. `parseSafetensors` always sets it (a view into the input,
   * no copy); the file loaders set it for dtypes stored as they decode, or for all with `keepBytes`.
   */
  readonly bytes?: Uint8Array;
}

/**
 * The contents of a safetensors file.
 *
 * @example
 * ```ts
 * const { metadata, tensors } = parseSafetensors(bytes);
 * metadata?.format; // 'pt'
 * ```
 */
export interface SafetensorsContents {
  /** The validated header (entries, metadata, lengths). */
  readonly header: SafetensorsHeader;
  /** `__metadata__`, or undefined when the file has none. */
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** The loaded tensors, in header order. */
  readonly tensors: Map<string, SafetensorsTensor>;
}

/**
 * Options of the safetensors readers.
 *
 * @example
 * ```ts
 * parseSafetensors(bytes, { names: ['lm_head.weight'] });
 * ```
 */
export interface ReadSafetensorsOptions {
  /** Load only these tensors (a list of names, each of which must exist, or a filter). */
  names?: Iterable<string> | ((name: string) => boolean);
  /** File loaders: also keep the raw bytes of tensors whose decoding changes them (F16, BF16, F8, I64, U64). */
  keepBytes?: boolean;
  /**
   * F16 and BF16 tensors come back as their bits (`data` a `Uint16Array`) instead of widened to f32:
   * what a loader that keeps 16-bit weights on the device uploads, with no f32 copy on the host.
   */
  rawHalves?: boolean;
}

/**
 * Parses a whole safetensors file held in memory: validates the header strictly (every problem is a
 * `FileFormatError` saying what was expected and what came) and decodes each selected tensor into
 * its own typed array. Browser-safe.
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(await (await fetch('adapter_model.safetensors')).arrayBuffer());
 * const { metadata, tensors } = parseSafetensors(bytes);
 * ```
 */
export function parseSafetensors(buffer: ArrayBuffer | Uint8Array, opts: ReadSafetensorsOptions = {}): SafetensorsContents {
  requireLittleEndian('parseSafetensors');
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const header = parseSafetensorsFileHeader(bytes);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const name of selectSafetensorsNames(header, opts.names)) {
    const e = header.tensors.get(name)!;
    const raw = bytes.subarray(header.dataStart + e.dataOffsets[0], header.dataStart + e.dataOffsets[1]);
    if (opts.rawHalves === true && (e.dtype === 'F16' || e.dtype === 'BF16')) {
      // the bits, copied out so that they are aligned and the file's buffer can go
      const bits = new Uint16Array(raw.length / 2);
      new Uint8Array(bits.buffer).set(raw);
      tensors.set(name, { dtype: e.dtype, shape: e.shape, data: bits, bytes: raw });
    } else tensors.set(name, { dtype: e.dtype, shape: e.shape, data: decodeSafetensorsBytes(e.dtype, raw, name), bytes: raw });
  }
  return { header, metadata: header.metadata, tensors };
}

/**
 * Parses and validates only the header of a safetensors file held in memory.
 *
 * @example
 * ```ts
 * const { tensors } = parseSafetensorsFileHeader(bytes);
 * console.log([...tensors.keys()]);
 * ```
 */
export function parseSafetensorsFileHeader(bytes: Uint8Array): SafetensorsHeader {
  const n = readSafetensorsHeaderLength(bytes.subarray(0, 8), bytes.byteLength);
  return parseSafetensorsHeader(bytes.subarray(8, 8 + n), n, bytes.byteLength - 8 - n);
}

/**
 * The names to load, in header order, from a list (every name must exist) or a filter.
 *
 * @example
 * ```ts
 * selectSafetensorsNames(header, ['a']); // ['a']
 * ```
 */
export function selectSafetensorsNames(header: SafetensorsHeader, names: ReadSafetensorsOptions['names']): string[] {
  const all = [...header.tensors.keys()];
  if (names === undefined) return all;
  if (typeof names === 'function') return all.filter(names);
  const wanted = new Set(names);
  for (const n of wanted) {
    if (!header.tensors.has(n)) {
      throw new FileFormatError(`safetensors: expected a tensor named ${JSON.stringify(n)}, but the file has none (it holds ${all.length} tensors)`);
    }
  }
  return all.filter((n) => wanted.has(n));
}
