import { type DType, type TypedArray, f32ToBF16Bits, f32ToF16Bits } from '../../dtype.js';

/**
 * Converts host values to the bytes a WebGPU buffer of `dtype` holds (f16 and bf16 as 16-bit halves:
 * a `Uint16Array` is taken as their bits, other arrays are rounded; bool as u32 words), with the same
 * JavaScript conversions the CPU backend applies on upload. The result's
 * length is padded to a multiple of 4 bytes.
 *
 * @example
 * ```ts
 * toDeviceBytes(new Float32Array([1, 2, 3]), 'f16'); // 8 bytes: three halves and padding
 * ```
 */
export function toDeviceBytes(data: TypedArray, dtype: DType): Uint8Array<ArrayBuffer> {
  const n = data.length;
  switch (dtype) {
    case 'f32':
      return bytesOf(data instanceof Float32Array ? data : Float32Array.from(data));
    case 'i32':
      return bytesOf(data instanceof Int32Array ? data : Int32Array.from(data));
    case 'u32':
      return bytesOf(data instanceof Uint32Array ? data : Uint32Array.from(data));
    case 'bool': {
      const b = data instanceof Uint8Array ? data : Uint8Array.from(data);
      return bytesOf(Uint32Array.from(b));
    }
    case 'f16':
    case 'bf16': {
      const h = new Uint16Array(n + (n & 1));
      if (data instanceof Uint16Array) {
        // the bits themselves (a checkpoint's 16-bit weights), never widened on the host
        if (n % 2 === 0) return bytesOf(data);
        h.set(data);
        return bytesOf(h);
      }
      const f = data instanceof Float32Array ? data : Float32Array.from(data);
      const narrow = dtype === 'f16' ? f32ToF16Bits : f32ToBF16Bits;
      for (let i = 0; i < n; i++) h[i] = narrow(f[i]);
      return bytesOf(h);
    }
  }
}

function bytesOf(a: TypedArray): Uint8Array<ArrayBuffer> {
  // shared memory cannot go to writeBuffer: copy it out
  if (!(a.buffer instanceof ArrayBuffer)) return new Uint8Array(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Converts `n` elements read back from the device into the host representation `read()` returns.
 * f16 and bf16 are read through an f32 copy made on the device, so `bytes` holds f32 for them.
 *
 * @example
 * ```ts
 * fromDeviceBytes(mapped, 'bool', 4); // Uint8Array of 0/1
 * ```
 */
export function fromDeviceBytes(bytes: ArrayBuffer, dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'f32':
    case 'f16':
    case 'bf16':
      return new Float32Array(bytes.slice(0, n * 4));
    case 'i32':
      return new Int32Array(bytes.slice(0, n * 4));
    case 'u32':
      return new Uint32Array(bytes.slice(0, n * 4));
    case 'bool': {
      const w = new Uint32Array(bytes, 0, n);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = w[i] !== 0 ? 1 : 0;
      return out;
    }
  }
}
