import type { NormKind, View } from '../../backend-interface.js';
import { shapeSize } from '../../shape.js';
import { CpuBuffer, arrayOf, outArray } from './cpu-buffer.js';

/**
 * Fused layer / RMS normalisation of the rows of a contiguous view on the CPU. Each intermediate is
 * rounded to float32 where the composite ops round it (sums accumulate in order, as the reduction
 * does), so both paths agree; with `wide` (the float64 precision mode) nothing is rounded.
 *
 * @example
 * ```ts
 * const y = cpuNorm('layer', x, w, b, 1e-5);
 * ```
 */
export function cpuNorm(kind: NormKind, x: View, weight: View | null, bias: View | null, eps: number, wide = false): CpuBuffer {
  const f = wide ? (v: number): number => v : Math.fround;
  const n = x.shape[x.shape.length - 1];
  const total = shapeSize(x.shape);
  const rows = n === 0 ? 0 : total / n;
  const X = arrayOf(x);
  const W = weight ? arrayOf(weight) : null;
  const B = bias ? arrayOf(bias) : null;
  const out = outArray('f32', total, wide);
  const epsF = f(eps);
  for (let r = 0; r < rows; r++) {
    const base = x.offset + r * n;
    let mean = 0;
    if (kind === 'layer') {
      let s = 0;
      for (let k = 0; k < n; k++) s = f(s + X[base + k]);
      mean = f(s / n);
    }
    let sq = 0;
    for (let k = 0; k < n; k++) {
      const c = f(X[base + k] - mean);
      sq = f(sq + f(c * c));
    }
    const inv = f(1 / Math.sqrt(f(f(sq / n) + epsF)));
    for (let k = 0; k < n; k++) {
      let y = f(f(X[base + k] - mean) * inv);
      if (W) y = f(y * W[weight!.offset + k]);
      if (B) y = f(y + B[bias!.offset + k]);
      out[r * n + k] = y;
    }
  }
  return new CpuBuffer(out);
}
