import type { NormKind, View } from '../../backend-interface.js';
import { shapeSize } from '../../shape.js';
import { UNARY_GRAD, type UnaryGradOp } from '../../kernels/unary-grad.js';
import { CpuBuffer, arrayOf, finishOut, outArray } from './cpu-buffer.js';
import { at, stridedOffsets } from './strided.js';

/**
 * The fused gradient `g · f′(x)` of a unary op on the CPU, for f32 views `g` and `x` of one shape
 * (any strides): float64 per element, rounded once on store (kept wide with `wide`).
 *
 * @example
 * ```ts
 * const dx = cpuUnaryGrad('silu', g, x);
 * ```
 */
export function cpuUnaryGrad(op: UnaryGradOp, g: View, x: View, wide = false): CpuBuffer {
  const f = UNARY_GRAD[op].cpu;
  const n = shapeSize(x.shape);
  const [gv, xv] = [arrayOf(g), arrayOf(x)];
  const [og, ox] = [stridedOffsets(g), stridedOffsets(x)];
  const out = outArray('f32', n, wide);
  for (let i = 0; i < n; i++) out[i] = f(xv[at(ox, x.offset, i)], gv[at(og, g.offset, i)]);
  return finishOut('f32', out);
}

/**
 * The input gradient of the fused softmax over the rows of contiguous f32 views on the CPU:
 * `y·(g − Σ g·y)`, or for log-softmax `g − exp(y)·Σ g`; float32 steps in the order of the composite
 * rule (float64 with `wide`).
 *
 * @example
 * ```ts
 * const dx = cpuSoftmaxGrad(g, probs, false);
 * ```
 */
export function cpuSoftmaxGrad(g: View, y: View, log: boolean, wide = false): CpuBuffer {
  const f = wide ? (v: number): number => v : Math.fround;
  const n = y.shape[y.shape.length - 1];
  const total = shapeSize(y.shape);
  const rows = n === 0 ? 0 : total / n;
  const G = arrayOf(g);
  const Y = arrayOf(y);
  const out = outArray('f32', total, wide);
  for (let r = 0; r < rows; r++) {
    const gb = g.offset + r * n;
    const yb = y.offset + r * n;
    let s = 0;
    for (let k = 0; k < n; k++) s = f(s + (log ? G[gb + k] : f(G[gb + k] * Y[yb + k])));
    for (let k = 0; k < n; k++) {
      out[r * n + k] = log ? f(G[gb + k] - f(f(Math.exp(Y[yb + k])) * s)) : f(Y[yb + k] * f(G[gb + k] - s));
    }
  }
  return new CpuBuffer(out);
}

/**
 * The input gradient of the fused layer / RMS norm over the rows of contiguous f32 views on the CPU:
 * `r·(ĝ − x̂·mean(ĝ·x̂) − mean(ĝ))` with `x̂ = (x − μ)·r` and `ĝ = g·w` (no mean(ĝ) term for RMS);
 * float32 steps in the order of the composite rule (float64 with `wide`).
 *
 * @example
 * ```ts
 * const dx = cpuNormGrad('layer', g, x, w, 1e-5);
 * ```
 */
export function cpuNormGrad(kind: NormKind, g: View, x: View, weight: View | null, eps: number, wide = false): CpuBuffer {
  const f = wide ? (v: number): number => v : Math.fround;
  const n = x.shape[x.shape.length - 1];
  const total = shapeSize(x.shape);
  const rows = n === 0 ? 0 : total / n;
  const X = arrayOf(x);
  const G = arrayOf(g);
  const W = weight ? arrayOf(weight) : null;
  const out = outArray('f32', total, wide);
  const epsF = f(eps);
  const gh = new Float64Array(n);
  const xh = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const xb = x.offset + r * n;
    const gb = g.offset + r * n;
    let mean = 0;
    if (kind === 'layer') {
      let s = 0;
      for (let k = 0; k < n; k++) s = f(s + X[xb + k]);
      mean = f(s / n);
    }
    let sq = 0;
    for (let k = 0; k < n; k++) {
      const c = f(X[xb + k] - mean);
      sq = f(sq + f(c * c));
    }
    const inv = f(1 / Math.sqrt(f(f(sq / n) + epsF)));
    let sgx = 0;
    let sg = 0;
    for (let k = 0; k < n; k++) {
      xh[k] = f(f(X[xb + k] - mean) * inv);
      gh[k] = W ? f(G[gb + k] * W[weight!.offset + k]) : G[gb + k];
      sgx = f(sgx + f(gh[k] * xh[k]));
      sg = f(sg + gh[k]);
    }
    const a = f(sgx / n);
    const b = kind === 'layer' ? f(sg / n) : 0;
    for (let k = 0; k < n; k++) out[r * n + k] = f(inv * f(gh[k] - f(f(xh[k] * a) + b)));
  }
  return new CpuBuffer(out);
}
