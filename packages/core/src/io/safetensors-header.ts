import { FileFormatError } from '../errors.js';
import { SAFETENSORS_DTYPES, SAFETENSORS_DTYPE_INFO, type SafetensorsDType, isSafetensorsDType } from './safetensors-dtype.js';
import { type JsonValue, JsonNumberText, parseStrictJson } from './strict-json.js';

/**
 * The largest header the reader accepts, in bytes (the Python reader's limit, 100 MB). Longer
 * length prefixes are refused before anything is allocated.
 *
 * @example
 * ```ts
 * MAX_SAFETENSORS_HEADER_BYTES; // 100_000_000
 * ```
 */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/**
 * One tensor's entry in a safetensors header.
 *
 * @example
 * ```ts
 * const e: SafetensorsEntry = { dtype: 'F32', shape: [2, 2], dataOffsets: [0, 16] };
 * ```
 */
export interface SafetensorsEntry {
  /** Element type in the file. */
  readonly dtype: SafetensorsDType;
  /** Sizes of each axis. */
  readonly shape: readonly number[];
  /** `[begin, end)` byte range inside the data section (which starts right after the header). */
  readonly dataOffsets: readonly [number, number];
}

/**
 * A validated safetensors header: every entry fits the file, and the entries tile the data section
 * exactly (no gaps, overlaps or trailing bytes), which is what the Python reader requires.
 *
 * @example
 * ```ts
 * const { header } = parseSafetensors(bytes);
 * for (const [name, e] of header.tensors) console.log(name, e.dtype, e.shape);
 * ```
 */
export interface SafetensorsHeader {
  /** Entries in the order the header lists them. */
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  /** The `__metadata__` map, or undefined when the header has none (or has `null`). */
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** Length of the JSON header in bytes (the little-endian u64 prefix). */
  readonly headerLength: number;
  /** File offset where the data section starts (`8 + headerLength`). */
  readonly dataStart: number;
  /** Length of the data section in bytes. */
  readonly dataLength: number;
}

const WHERE = 'safetensors';

/**
 * Reads and checks the 8-byte little-endian header length against the whole file size. Refuses a
 * file shorter than 8 bytes, a length over {@link MAX_SAFETENSORS_HEADER_BYTES} and a length that
 * runs past the end of the file.
 *
 * @example
 * ```ts
 * const n = readSafetensorsHeaderLength(bytes.subarray(0, 8), bytes.length);
 * ```
 */
export function readSafetensorsHeaderLength(prefix: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw new FileFormatError(`${WHERE}: expected at least 8 bytes (the header length), got a ${Math.min(fileSize, prefix.length)}-byte file`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new FileFormatError(
      `${WHERE}: header length ${n} is over the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit (file is ${fileSize} bytes); the file is corrupt or not a safetensors file`,
    );
  }
  const len = Number(n);
  if (len > fileSize - 8) {
    throw new FileFormatError(`${WHERE}: header length ${len} runs past the end of the file: expected at most ${fileSize - 8} for a ${fileSize}-byte file`);
  }
  return len;
}

/**
 * Decodes, parses and validates the JSON header bytes. `dataLength` is the size of the data section
 * (file size − 8 − header length); every entry is checked against it.
 *
 * @example
 * ```ts
 * const header = parseSafetensorsHeader(bytes.subarray(8, 8 + n), n, bytes.length - 8 - n);
 * ```
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, headerLength: number, dataLength: number): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch (e) {
    throw new FileFormatError(`${WHERE}: expected the ${headerLength}-byte header to be UTF-8 text, got invalid UTF-8`, { cause: e });
  }
  const json = parseStrictJson(text, `${WHERE}: header`);
  if (!(json instanceof Map)) {
    throw new FileFormatError(`${WHERE}: expected the header to be a JSON object, got ${describe(json)}`);
  }
  let metadata: Record<string, string> | undefined;
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, value] of json) {
    if (name === '__metadata__') metadata = checkMetadata(value);
    else tensors.set(name, checkEntry(name, value, dataLength));
  }
  checkTiling(tensors, dataLength);
  return { tensors, metadata, headerLength, dataStart: 8 + headerLength, dataLength };
}

function checkMetadata(value: JsonValue): Record<string, string> | undefined {
  if (value === null) return undefined;
  if (!(value instanceof Map)) {
    throw new FileFormatError(`${WHERE}: expected __metadata__ to be an object of strings, got ${describe(value)}`);
  }
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of value) {
    if (typeof v !== 'string') {
      throw new FileFormatError(`${WHERE}: expected __metadata__ values to be strings, got ${describe(v)} for key ${JSON.stringify(k)}`);
    }
    out[k] = v;
  }
  return out;
}

function checkEntry(name: string, value: JsonValue, dataLength: number): SafetensorsEntry {
  const at = `${WHERE}: tensor ${JSON.stringify(name)}`;
  if (!(value instanceof Map)) {
    throw new FileFormatError(`${at}: expected an object with dtype, shape and data_offsets, got ${describe(value)}`);
  }
  for (const key of ['dtype', 'shape', 'data_offsets']) {
    if (!value.has(key)) throw new FileFormatError(`${at}: expected a "${key}" field, got keys [${[...value.keys()].join(', ')}]`);
  }
  const dtype = value.get('dtype')!;
  if (!isSafetensorsDType(dtype)) {
    throw new FileFormatError(`${at}: unknown dtype ${describe(dtype)}, expected one of ${SAFETENSORS_DTYPES.join(', ')}`);
  }
  const shapeValue = value.get('shape')!;
  if (!Array.isArray(shapeValue) || !shapeValue.every(isSize)) {
    throw new FileFormatError(`${at}: expected shape to be an array of non-negative integers, got ${describe(shapeValue)}`);
  }
  const shape = shapeValue as number[];
  const offsets = value.get('data_offsets')!;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
    throw new FileFormatError(`${at}: expected data_offsets to be [begin, end] with non-negative integers, got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end) throw new FileFormatError(`${at}: expected data_offsets [begin, end] with begin <= end, got [${begin}, ${end}]`);
  let numel = 1;
  for (const d of shape) {
    numel *= d;
    if (numel > Number.MAX_SAFE_INTEGER) throw new FileFormatError(`${at}: shape [${shape.join(', ')}] has more than 2^53 elements`);
  }
  const bytes = numel * SAFETENSORS_DTYPE_INFO[dtype].bytes;
  if (end - begin !== bytes) {
    throw new FileFormatError(
      `${at}: data_offsets [${begin}, ${end}] span ${end - begin} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${bytes}`,
    );
  }
  if (end > dataLength) {
    throw new FileFormatError(`${at}: data_offsets [${begin}, ${end}] run past the end of the ${dataLength}-byte data section`);
  }
  return { dtype, shape: Object.freeze([...shape]), dataOffsets: Object.freeze([begin, end] as [number, number]) };
}

/** Checks that the entries, sorted by offsets, cover [0, dataLength) exactly once. */
function checkTiling(tensors: ReadonlyMap<string, SafetensorsEntry>, dataLength: number): void {
  const sorted = [...tensors].sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let pos = 0;
  let prev: [string, SafetensorsEntry] | undefined;
  for (const item of sorted) {
    const [name, { dataOffsets }] = item;
    const [begin, end] = dataOffsets;
    if (begin < pos && prev) {
      throw new FileFormatError(
        `${WHERE}: tensors ${JSON.stringify(prev[0])} [${prev[1].dataOffsets.join(', ')}] and ${JSON.stringify(name)} [${begin}, ${end}] overlap; expected each byte of the data section to belong to one tensor`,
      );
    }
    if (begin > pos) {
      const after = prev ? `after tensor ${JSON.stringify(prev[0])}` : 'at the start of the data section';
      throw new FileFormatError(
        `${WHERE}: data bytes [${pos}, ${begin}) belong to no tensor (${after}, before ${JSON.stringify(name)}); expected the data section to be fully indexed`,
      );
    }
    pos = end;
    prev = item;
  }
  if (pos !== dataLength) {
    throw new FileFormatError(
      `${WHERE}: expected the tensors to end at the end of the ${dataLength}-byte data section, got ${dataLength - pos} trailing bytes after offset ${pos}`,
    );
  }
}

function isSize(v: JsonValue): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: JsonValue): string {
  if (v instanceof Map) return 'an object';
  if (v instanceof JsonNumberText) return v.text;
  if (Array.isArray(v)) {
    const parts = v.slice(0, 8).map((x) => (x instanceof Map ? '{…}' : Array.isArray(x) ? '[…]' : describe(x)));
    return `[${parts.join(', ')}${v.length > 8 ? ', …' : ''}]`;
  }
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}
