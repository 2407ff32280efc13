import { shapeSize } from '@peft/core/plugin';
import { CpuBuffer, type View, arrayOf, outArray } from '@peft/core/backend';
import type { Matmul4bit } from './matmul-4bit-spec.js';

/**
 * The reference 4-bit dequantising matmul: the quantised matrix is dequantised to float32 exactly
 * (`code[c] · absmax[block]`, one rounding), then every output is a float64 dot product as in
 * {@link cpuMatmul}, so the result equals dequantise-then-matmul bit for bit.
 *
 * @example
 * ```ts
 * cpuMatmul4bit(x, packed, absmax, { code, blocksize: 64, rows: 8, cols: 16, transpose: true });
 * ```
 */
export function cpuMatmul4bit(x: View, packed: View, absmax: View, q: Matmul4bit, nestedAbsmax?: View, wide = false): CpuBuffer {
  const k = x.shape[x.shape.length - 1];
  const m = k === 0 ? 0 : shapeSize(x.shape) / k;
  const n = q.transpose ? q.rows : q.cols;
  const words = arrayOf(packed);
  const X = arrayOf(x);
  const blockScales = scalesOf(absmax, q, nestedAbsmax);
  // dequantised matrix as [n, k] (the transposed right operand), in float32
  const d = new Float32Array(n * k);
  const code = Float32Array.from(q.code);
  for (let j = 0; j < n; j++) {
    for (let p = 0; p < k; p++) {
      const e = q.transpose ? j * q.cols + p : p * q.cols + j;
      const word = words[packed.offset + (e >>> 3)] >>> 0;
      const c = (word >>> ((((e >>> 1) & 3) << 3) + (e & 1 ? 0 : 4))) & 15;
      d[j * k + p] = code[c] * blockScales[Math.floor(e / q.blocksize)];
    }
  }
  const out = outArray('f32', m * n, wide);
  for (let i = 0; i < m; i++) {
    const ra = x.offset + i * k;
    for (let j = 0; j < n; j++) {
      const rb = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += X[ra + p] * d[rb + p];
      out[i * n + j] = s;
    }
  }
  return new CpuBuffer(out);
}

/** The float32 scale of every block: read directly, or rebuilt from the double-quantised codes. */
function scalesOf(absmax: View, q: Matmul4bit, nestedAbsmax?: View): Float32Array {
  const blocks = Math.ceil((q.rows * q.cols) / q.blocksize);
  const src = arrayOf(absmax);
  const out = new Float32Array(blocks);
  const nested = q.nested;
  if (!nested || !nestedAbsmax) {
    for (let b = 0; b < blocks; b++) out[b] = src[absmax.offset + b];
    return out;
  }
  const code = Float32Array.from(nested.code);
  const outer = arrayOf(nestedAbsmax);
  for (let b = 0; b < blocks; b++) {
    const byte = ((src[absmax.offset + (b >>> 2)] >>> 0) >>> ((b & 3) * 8)) & 255;
    out[b] = Math.fround(code[byte] * outer[nestedAbsmax.offset + Math.floor(b / nested.blocksize)]) + nested.offset;
  }
  return out;
}
