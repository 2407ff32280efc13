import type { View } from '../../backend-interface.js';
import { shapeSize } from '../../shape.js';
import { CpuBuffer, arrayOf, outArray } from './cpu-buffer.js';

/**
 * Fused softmax / log-softmax over the rows of a contiguous view on the CPU, rounded to float32 where
 * the composite ops round (none with `wide`, the float64 precision mode).
 *
 * @example
 * ```ts
 * const probs = cpuSoftmax(scores, false);
 * ```
 */
export function cpuSoftmax(x: View, log: boolean, wide = false): CpuBuffer {
  const f = wide ? (v: number): number => v : Math.fround;
  const n = x.shape[x.shape.length - 1];
  const total = shapeSize(x.shape);
  const rows = n === 0 ? 0 : total / n;
  const X = arrayOf(x);
  const out = outArray('f32', total, wide);
  for (let r = 0; r < rows; r++) {
    const base = x.offset + r * n;
    let m = -Infinity;
    for (let k = 0; k < n; k++) {
      const v = X[base + k];
      if (v > m || v !== v) m = v !== v || m !== m ? NaN : v;
    }
    let s = 0;
    for (let k = 0; k < n; k++) s = f(s + f(Math.exp(f(X[base + k] - m))));
    const logS = f(Math.log(s));
    for (let k = 0; k < n; k++) {
      const shifted = f(X[base + k] - m);
      out[r * n + k] = log ? f(shifted - logS) : f(f(Math.exp(shifted)) / s);
    }
  }
  return new CpuBuffer(out);
}
