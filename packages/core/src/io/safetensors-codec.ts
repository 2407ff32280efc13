import { ArgumentError, DTypeError } from '../errors.js';
import { SAFETENSORS_DTYPE_INFO, type SafetensorsArray, type SafetensorsDType, safetensorsDecodedArray } from './safetensors-dtype.js';
import {
  bf16ToF32Array,
  f16ToF32Array,
  f32ToBf16Array,
  f32ToF16Array,
  fp8E4M3BitsToF32Bits,
  fp8E5M2BitsToF32Bits,
} from './float-bits.js';

/** Safetensors stores little-endian values; typed arrays use the host order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Throws on big-endian hosts, where the byte-level fast paths would be wrong (no browser or Node
 * platform in use today is big-endian). @internal
 *
 * @example
 * ```ts
 * requireLittleEndian('parseSafetensors');
 * ```
 */
export function requireLittleEndian(op: string): void {
  if (!LITTLE_ENDIAN) throw new DTypeError(`${op}: safetensors I/O needs a little-endian host, got a big-endian one`);
}

/** A copy of `bytes` in fresh, aligned memory. */
function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  const buf = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buf).set(bytes);
  return buf;
}

/** A view of `bytes` as `T`, copying only when the offset is not a multiple of the element size. */
function viewAs<T>(bytes: Uint8Array, size: number, make: (buf: ArrayBuffer | SharedArrayBuffer, offset: number, n: number) => T): T {
  if (bytes.byteOffset % size === 0) return make(bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
  return make(alignedCopy(bytes), 0, bytes.byteLength / size);
}

/**
 * Decodes the little-endian bytes of one tensor into `out` starting at element `outOffset`. The
 * bytes must hold whole elements. F16/BF16/F8 widen to f32 bit-exactly (NaN payloads kept); I64
 * and U64 narrow to 32 bits and throw a {@link DTypeError} naming the tensor for a value that does
 * not fit. Used in chunks by the file reader, so a tensor never needs two full-size buffers.
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * decodeSafetensorsInto('F16', new Uint8Array([0x00, 0x3c, 0x00, 0xc0]), out, 0, 'w'); // out: [1, -2]
 * ```
 */
export function decodeSafetensorsInto(
  dtype: SafetensorsDType,
  bytes: Uint8Array,
  out: SafetensorsArray,
  outOffset: number,
  name: string,
): void {
  requireLittleEndian('safetensors');
  const info = SAFETENSORS_DTYPE_INFO[dtype];
  const n = bytes.byteLength / info.bytes;
  switch (info.decode) {
    case 'as-is': {
      // same element type in and out: a byte copy
      const target = new Uint8Array(out.buffer, out.byteOffset + outOffset * info.bytes, bytes.byteLength);
      target.set(bytes);
      return;
    }
    case 'f16':
      f16ToF32Array(viewAs(bytes, 2, (b, o, k) => new Uint16Array(b, o, k)), u32(out), outOffset);
      return;
    case 'bf16':
      bf16ToF32Array(viewAs(bytes, 2, (b, o, k) => new Uint16Array(b, o, k)), u32(out), outOffset);
      return;
    case 'f8e4m3':
    case 'f8e5m2': {
      const convert = info.decode === 'f8e4m3' ? fp8E4M3BitsToF32Bits : fp8E5M2BitsToF32Bits;
      const o = u32(out);
      for (let i = 0; i < n; i++) o[outOffset + i] = convert(bytes[i]);
      return;
    }
    case 'i64':
    case 'u64': {
      const words = viewAs(bytes, 4, (b, o, k) => new Uint32Array(b, o, k));
      const signed = info.decode === 'i64';
      const o = out as Int32Array | Uint32Array;
      for (let i = 0; i < n; i++) {
        const lo = words[2 * i];
        const hi = words[2 * i + 1];
        const fits = signed ? hi === (lo & 0x80000000 ? 0xffffffff : 0) : hi === 0;
        if (!fits) throw notFitting(dtype, name, i + outOffset, lo, hi);
        o[outOffset + i] = lo;
      }
      return;
    }
  }
}

function u32(out: SafetensorsArray): Uint32Array {
  return new Uint32Array(out.buffer, out.byteOffset, out.length);
}

function notFitting(dtype: SafetensorsDType, name: string, index: number, lo: number, hi: number): DTypeError {
  const value = (BigInt(hi) << 32n) | BigInt(lo);
  const shown = dtype === 'I64' ? BigInt.asIntN(64, value) : value;
  const target = dtype === 'I64' ? 'i32' : 'u32';
  return new DTypeError(
    `safetensors: tensor ${JSON.stringify(name)} (${dtype}) holds ${shown} at element ${index}, which does not fit in ${target}; read its raw bytes instead`,
  );
}

/**
 * Decodes one tensor's bytes into a new array (see {@link SafetensorsArray}).
 *
 * @example
 * ```ts
 * decodeSafetensorsBytes('BF16', new Uint8Array([0x80, 0x3f])); // Float32Array [1]
 * ```
 */
export function decodeSafetensorsBytes(dtype: SafetensorsDType, bytes: Uint8Array, name = 'tensor'): SafetensorsArray {
  const n = bytes.byteLength / SAFETENSORS_DTYPE_INFO[dtype].bytes;
  const out = safetensorsDecodedArray(dtype, n);
  decodeSafetensorsInto(dtype, bytes, out, 0, name);
  return out;
}

/**
 * Values to write for one tensor: numbers, typed arrays, or `BigInt64Array`/`BigUint64Array` for
 * 64-bit integers.
 *
 * @example
 * ```ts
 * const v: SafetensorsValues = new Float32Array([1, 2]);
 * ```
 */
export type SafetensorsValues = ArrayLike<number> | BigInt64Array | BigUint64Array;

const INT_RANGE: Partial<Record<SafetensorsDType, [number, number]>> = {
  U8: [0, 0xff],
  I8: [-0x80, 0x7f],
  I16: [-0x8000, 0x7fff],
  U16: [0, 0xffff],
  I32: [-0x80000000, 0x7fffffff],
  U32: [0, 0xffffffff],
  I64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  U64: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * Encodes values as the little-endian bytes of `dtype`. Floats narrow with round-to-nearest-even
 * (from a `Float32Array`, bit-exactly: NaN signs and payloads kept as far as the format allows);
 * integers must be whole and in range (an {@link ArgumentError} names the first one that is not);
 * BOOL writes 1 for every non-zero value. F8 formats can only be written as raw bytes. The result
 * may share memory with `values` (F32 from a `Float32Array`, I64/U64 from bigint arrays).
 *
 * @example
 * ```ts
 * encodeSafetensorsValues('F16', new Float32Array([1, -2]), 'w'); // Uint8Array [0x00, 0x3c, 0x00, 0xc0]
 * ```
 */
export function encodeSafetensorsValues(dtype: SafetensorsDType, values: SafetensorsValues, name: string): Uint8Array {
  requireLittleEndian('safetensors');
  const n = values.length;
  const at = `safetensors: tensor ${JSON.stringify(name)}`;
  const isBig = values instanceof BigInt64Array || values instanceof BigUint64Array;
  if (isBig && dtype !== 'I64' && dtype !== 'U64') {
    throw new ArgumentError(`${at}: bigint values can only be written as I64 or U64, got dtype ${dtype}`);
  }
  switch (dtype) {
    case 'F32':
    case 'F16':
    case 'BF16': {
      const f32 = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
      const bits = new Uint32Array(f32.buffer, f32.byteOffset, n);
      if (dtype === 'F32') return new Uint8Array(f32.buffer, f32.byteOffset, n * 4);
      const out = new Uint16Array(n);
      (dtype === 'F16' ? f32ToF16Array : f32ToBf16Array)(bits, out);
      return new Uint8Array(out.buffer);
    }
    case 'F64': {
      const f64 = values instanceof Float64Array ? values.slice() : Float64Array.from(values as ArrayLike<number>);
      return new Uint8Array(f64.buffer);
    }
    case 'BOOL': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = (values as ArrayLike<number>)[i] ? 1 : 0;
      return out;
    }
    case 'I64':
    case 'U64': {
      if (isBig) {
        const ok = dtype === 'I64' ? values instanceof BigInt64Array : values instanceof BigUint64Array;
        if (!ok) throw new ArgumentError(`${at}: expected a ${dtype === 'I64' ? 'BigInt64Array' : 'BigUint64Array'} for ${dtype}, got ${values.constructor.name}`);
        return new Uint8Array(values.buffer, values.byteOffset, n * 8);
      }
      checkIntegers(dtype, values, at);
      const out = dtype === 'I64' ? new BigInt64Array(n) : new BigUint64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt(values[i]);
      return new Uint8Array(out.buffer);
    }
    case 'F8_E4M3':
    case 'F8_E5M2':
      throw new ArgumentError(`${at}: ${dtype} can only be written from raw bytes (pass { bytes }), not from values`);
    default: {
      checkIntegers(dtype, values as ArrayLike<number>, at);
      const out = safetensorsDecodedArray(dtype, n) as Int32Array;
      for (let i = 0; i < n; i++) out[i] = (values as ArrayLike<number>)[i];
      return new Uint8Array(out.buffer);
    }
  }
}

function checkIntegers(dtype: SafetensorsDType, values: ArrayLike<number>, at: string): void {
  const [lo, hi] = INT_RANGE[dtype]!;
  const sameType = values instanceof (safetensorsDecodedArray(dtype, 0).constructor as unknown as new () => object);
  if (sameType && dtype !== 'I64' && dtype !== 'U64') return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new ArgumentError(`${at}: expected ${dtype} values to be integers in [${lo}, ${hi}], got ${v} at element ${i}`);
    }
  }
}
