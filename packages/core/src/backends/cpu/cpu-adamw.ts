import type { AdamWStep, View } from '../../backend-interface.js';
import { shapeSize } from '../../shape.js';
import { CpuBuffer, arrayOf, outArray } from './cpu-buffer.js';
import { at, stridedOffsets } from './strided.js';

/**
 * The fused AdamW update on the CPU. Every intermediate is rounded to float32 exactly where the
 * composite update (one op per step, each storing f32) rounds it, so both paths agree bit for bit;
 * with `wide` (the float64 precision mode) nothing is rounded, as in the composite path there.
 *
 * @example
 * ```ts
 * const [p, m, v] = cpuAdamW(param, grad, expAvg, expAvgSq, h);
 * ```
 */
export function cpuAdamW(param: View, grad: View, expAvg: View, expAvgSq: View, h: AdamWStep, wide = false): [CpuBuffer, CpuBuffer, CpuBuffer] {
  const f = wide ? (x: number): number => x : Math.fround;
  const n = shapeSize(param.shape);
  const [P, G, M, V] = [param, grad, expAvg, expAvgSq].map(arrayOf);
  const [oP, oG, oM, oV] = [param, grad, expAvg, expAvgSq].map(stridedOffsets);
  const [pOut, mOut, vOut] = [0, 1, 2].map(() => outArray('f32', n, wide));
  const decay = f(h.decay);
  const [b1, c1, b2, c2] = [f(h.beta1), f(1 - h.beta1), f(h.beta2), f(1 - h.beta2)];
  const [bc, eps, stepSize] = [f(h.bc2Sqrt), f(h.eps), f(h.stepSize)];
  for (let i = 0; i < n; i++) {
    const g0 = G[at(oG, grad.offset, i)];
    const g = h.maximize ? -g0 : g0;
    const p0 = P[at(oP, param.offset, i)];
    const p = h.decay !== 1 ? f(p0 * decay) : p0;
    const m = f(f(M[at(oM, expAvg.offset, i)] * b1) + f(g * c1));
    const v = f(f(V[at(oV, expAvgSq.offset, i)] * b2) + f(f(g * g) * c2));
    const denom = f(f(f(Math.sqrt(v)) / bc) + eps);
    pOut[i] = f(p - f(f(m / denom) * stepSize));
    mOut[i] = m;
    vOut[i] = v;
  }
  return [new CpuBuffer(pOut), new CpuBuffer(mOut), new CpuBuffer(vOut)];
}
