import type { View } from '../../backend-interface.js';
import { resultDType } from '../../dtype.js';
import { shapeSize } from '../../shape.js';
import { CpuBuffer, arrayOf, finishOut, outArray } from './cpu-buffer.js';

/**
 * Batched matrix product on the CPU: each batch's operands are gathered into row-major A and
 * transposed B, then every output is a float64 dot product (the reference other backends match).
 *
 * @example
 * ```ts
 * cpuMatmul(aView, bView); // [..., m, k] @ [..., k, n]
 * ```
 */
export function cpuMatmul(a: View, b: View, wide = false): CpuBuffer {
  const r = a.shape.length;
  const m = a.shape[r - 2];
  const k = a.shape[r - 1];
  const n = b.shape[r - 1];
  const batchShape = a.shape.slice(0, -2);
  const batches = shapeSize(batchShape);
  const A = arrayOf(a);
  const B = arrayOf(b);
  const dtype = resultDType([a.dtype, b.dtype]) ?? a.dtype;
  const out = outArray(dtype, batches * m * n, wide);
  const ta = new Float64Array(m * k);
  const tb = new Float64Array(n * k);
  const bIdx = new Array<number>(batchShape.length).fill(0);
  for (let bt = 0; bt < batches; bt++) {
    let oa = a.offset;
    let ob = b.offset;
    for (let i = 0; i < batchShape.length; i++) {
      oa += bIdx[i] * a.strides[i];
      ob += bIdx[i] * b.strides[i];
    }
    const [sam, sak] = [a.strides[r - 2], a.strides[r - 1]];
    const [sbk, sbn] = [b.strides[r - 2], b.strides[r - 1]];
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) ta[i * k + p] = A[oa + i * sam + p * sak];
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) tb[j * k + p] = B[ob + p * sbk + j * sbn];
    const base = bt * m * n;
    for (let i = 0; i < m; i++) {
      const ra = i * k;
      for (let j = 0; j < n; j++) {
        const rb = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += ta[ra + p] * tb[rb + p];
        out[base + i * n + j] = s;
      }
    }
    for (let i = batchShape.length - 1; i >= 0; i--) {
      if (++bIdx[i] < batchShape[i]) break;
      bIdx[i] = 0;
    }
  }
  return finishOut(dtype, out);
}
