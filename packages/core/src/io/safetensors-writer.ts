import { ArgumentError, fmtShape } from '../errors.js';
import { SAFETENSORS_DTYPE_INFO, type SafetensorsDType, isSafetensorsDType } from './safetensors-dtype.js';
import { type SafetensorsValues, encodeSafetensorsValues } from './safetensors-codec.js';
import type { SafetensorsEntry } from './safetensors-header.js';
import { isWellFormedUtf16 } from './strict-json.js';

/**
 * One tensor to write: its dtype and shape, and either raw little-endian `bytes` (written as they
 * are; they win when both are given) or `data` values to encode (see `encodeSafetensorsValues`).
 * Every tensor that `parseSafetensors` returns is a valid input, so reading and writing round-trips
 * bit for bit.
 *
 * @example
 * ```ts
 * const t: SafetensorsTensorInput = { dtype: 'F16', shape: [2], data: new Float32Array([1, 2]) };
 * ```
 */
export interface SafetensorsTensorInput {
  /** Element type in the file. */
  readonly dtype: SafetensorsDType;
  /** Sizes of each axis. */
  readonly shape: readonly number[];
  /** Values to encode as `dtype`. */
  readonly data?: SafetensorsValues;
  /** Raw little-endian bytes of exactly `numel × element size` bytes. */
  readonly bytes?: Uint8Array;
}

/**
 * Named tensors to write, as a `Map` or a plain record.
 *
 * @example
 * ```ts
 * const tensors: SafetensorsInputs = { bias: { dtype: 'F32', shape: [2], data: [0, 1] } };
 * ```
 */
export type SafetensorsInputs = ReadonlyMap<string, SafetensorsTensorInput> | Readonly<Record<string, SafetensorsTensorInput>>;

/**
 * A checked layout of a safetensors file, ready to be written piece by piece: the prefix and
 * header bytes first, then each tensor's bytes in `order`.
 *
 * @example
 * ```ts
 * const plan = planSafetensors(tensors, { format: 'pt' });
 * write(plan.head); for (const t of plan.order) write(t.encode());
 * ```
 */
export interface SafetensorsPlan {
  /** The 8-byte length prefix followed by the space-padded JSON header. */
  readonly head: Uint8Array;
  /** Tensors in file order, each with its header entry and a function producing its bytes. */
  readonly order: readonly { readonly name: string; readonly entry: SafetensorsEntry; encode(): Uint8Array }[];
  /** Total file size in bytes. */
  readonly byteLength: number;
}

/**
 * Lays out a safetensors file exactly as the Python `safetensors` writer does: tensors sorted by
 * descending dtype order (I64, F64, F32, U32, I32, BF16, F16, U16, I16, F8, I8, U8, BOOL), then by
 * name (UTF-8 byte order), packed back to back from offset 0; the header is compact JSON with
 * `__metadata__` first (keys in insertion order; omitted when `metadata` is undefined), then each
 * tensor as `{"dtype","shape","data_offsets"}`, padded with spaces to a multiple of 8 bytes. Checks
 * every input first; nothing is encoded until `encode()` is called.
 *
 * @example
 * ```ts
 * const plan = planSafetensors({ w: { dtype: 'F32', shape: [1], data: [1] } }, { format: 'pt' });
 * plan.byteLength; // 8 + header + 4
 * ```
 */
export function planSafetensors(tensors: SafetensorsInputs, metadata?: Readonly<Record<string, string>>): SafetensorsPlan {
  const items = [...(tensors instanceof Map ? tensors : Object.entries(tensors))].map(([name, input]) => checkInput(name, input));
  items.sort((a, b) => SAFETENSORS_DTYPE_INFO[b.input.dtype].rank - SAFETENSORS_DTYPE_INFO[a.input.dtype].rank || compareCodePoints(a.name, b.name));

  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`"__metadata__":${metadataJson(metadata)}`);
  let offset = 0;
  const order = items.map(({ name, input, nbytes }) => {
    const entry: SafetensorsEntry = { dtype: input.dtype, shape: [...input.shape], dataOffsets: [offset, offset + nbytes] };
    offset += nbytes;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${entry.dtype}","shape":[${entry.shape.join(',')}],"data_offsets":[${entry.dataOffsets.join(',')}]}`);
    return { name, entry, encode: () => encodeInput(name, input, nbytes) };
  });
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + headerLength).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerLength), true);
  head.set(json, 8);
  return { head, order, byteLength: head.length + offset };
}

/**
 * Serializes named tensors (and optional `__metadata__`) into the bytes of a safetensors file,
 * identical to what Python's `safetensors.torch.save_file` writes for the same tensors.
 *
 * @example
 * ```ts
 * const bytes = serializeSafetensors(
 *   { 'lora_A.weight': { dtype: 'F32', shape: [4, 32], data: new Float32Array(128) } },
 *   { format: 'pt' },
 * );
 * ```
 */
export function serializeSafetensors(tensors: SafetensorsInputs, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const plan = planSafetensors(tensors, metadata);
  const out = new Uint8Array(plan.byteLength);
  out.set(plan.head, 0);
  let pos = plan.head.length;
  for (const t of plan.order) {
    out.set(t.encode(), pos);
    pos += t.entry.dataOffsets[1] - t.entry.dataOffsets[0];
  }
  return out;
}

function checkInput(name: string, input: SafetensorsTensorInput): { name: string; input: SafetensorsTensorInput; nbytes: number } {
  const at = `safetensors: tensor ${JSON.stringify(name)}`;
  if (typeof name !== 'string' || !isWellFormedUtf16(name)) throw new ArgumentError(`${at}: expected a name that is valid Unicode text`);
  if (name === '__metadata__') throw new ArgumentError(`${at}: the name __metadata__ is reserved for the metadata map`);
  if (typeof input !== 'object' || input === null) throw new ArgumentError(`${at}: expected { dtype, shape, data | bytes }, got ${String(input)}`);
  if (!isSafetensorsDType(input.dtype)) throw new ArgumentError(`${at}: unknown dtype ${JSON.stringify(input.dtype)}`);
  const shape = input.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ArgumentError(`${at}: expected shape to be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  let numel = 1;
  for (const d of shape) numel *= d;
  const nbytes = numel * SAFETENSORS_DTYPE_INFO[input.dtype].bytes;
  if (!Number.isSafeInteger(nbytes)) throw new ArgumentError(`${at}: shape ${fmtShape(shape)} is too large`);
  if (input.bytes !== undefined) {
    if (!(input.bytes instanceof Uint8Array) || input.bytes.byteLength !== nbytes) {
      throw new ArgumentError(`${at}: expected ${nbytes} raw bytes for shape ${fmtShape(shape)} of ${input.dtype}, got ${describeBytes(input.bytes)}`);
    }
  } else if (input.data === undefined || input.data === null || typeof input.data.length !== 'number') {
    throw new ArgumentError(`${at}: expected data values or raw bytes, got neither`);
  } else if (input.data.length !== numel) {
    throw new ArgumentError(`${at}: shape ${fmtShape(shape)} needs ${numel} values, got ${input.data.length}`);
  }
  return { name, input, nbytes };
}

function encodeInput(name: string, input: SafetensorsTensorInput, nbytes: number): Uint8Array {
  const bytes = input.bytes ?? encodeSafetensorsValues(input.dtype, input.data!, name);
  if (bytes.byteLength !== nbytes) {
    throw new ArgumentError(`safetensors: tensor ${JSON.stringify(name)}: expected ${nbytes} bytes, got ${bytes.byteLength} (was the input changed while writing?)`);
  }
  return bytes;
}

function metadataJson(metadata: Readonly<Record<string, string>>): string {
  if (typeof metadata !== 'object' || metadata === null) throw new ArgumentError(`safetensors: expected metadata to be a record of strings, got ${String(metadata)}`);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string' || !isWellFormedUtf16(v) || !isWellFormedUtf16(k)) {
      throw new ArgumentError(`safetensors: expected metadata values to be strings of valid Unicode text, got ${typeof v} for key ${JSON.stringify(k)}`);
    }
    parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}

function describeBytes(b: unknown): string {
  return b instanceof Uint8Array ? `${b.byteLength}` : `a ${typeof b === 'object' && b ? b.constructor.name : typeof b}`;
}

/**
 * Orders strings by Unicode code point, which is the UTF-8 byte order the Python writer sorts by
 * (plain `<` compares UTF-16 units, which differs for characters above U+FFFF).
 *
 * @example
 * ```ts
 * ['\uffff', '\u{10000}'].sort(compareCodePoints); // ['\uffff', '\u{10000}']
 * ```
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointKey(x) - codePointKey(y);
  }
  return a.length - b.length;
}

function codePointKey(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}
