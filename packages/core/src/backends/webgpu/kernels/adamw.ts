import type { AdamWStep, View } from '../../../backend-interface.js';
import { shapeSize } from '../../../shape.js';
import { type Kernel, binding, f32Word, flatIndex, grid1d, header, word } from './wgsl.js';

const WG = 64;

/**
 * The fused AdamW update: reads param, grad and both moments (contiguous f32 views, each with its
 * own offset) and writes the three new tensors in one pass. The arithmetic follows the composite
 * update op for op, each step rounded to f32.
 *
 * @example
 * ```ts
 * const k = adamwKernel(param, grad, expAvg, expAvgSq, h); // bindings: 4 inputs, then p, m, v outputs
 * ```
 */
export function adamwKernel(param: View, grad: View, expAvg: View, expAvgSq: View, h: AdamWStep): Kernel {
  const n = shapeSize(param.shape);
  const f = Math.fround;
  const words = [
    n,
    param.offset,
    grad.offset,
    expAvg.offset,
    expAvgSq.offset,
    f32Word(h.decay),
    f32Word(h.beta1),
    f32Word(f(1 - h.beta1)),
    f32Word(h.beta2),
    f32Word(f(1 - h.beta2)),
    f32Word(h.bc2Sqrt),
    f32Word(h.eps),
    f32Word(h.stepSize),
  ];
  const decay = h.decay !== 1;
  const key = `adamw:${h.maximize ? 'max' : 'min'}:${decay ? 'wd' : 'nowd'}`;
  const fl = (k: number): string => `bitcast<f32>(${word(k)})`;
  const source = (): string =>
    header(['f32'], words.length) +
    binding(1, 'p_in', 'f32', 'read') +
    binding(2, 'g_in', 'f32', 'read') +
    binding(3, 'm_in', 'f32', 'read') +
    binding(4, 'v_in', 'f32', 'read') +
    binding(5, 'p_out', 'f32', 'write') +
    binding(6, 'm_out', 'f32', 'write') +
    binding(7, 'v_out', 'f32', 'write') +
    flatIndex(WG, word(0)) +
    `  let g = ${h.maximize ? '-' : ''}g_in[${word(2)} + i];
  let p = p_in[${word(1)} + i]${decay ? ` * ${fl(5)}` : ''};
  let m = m_in[${word(3)} + i] * ${fl(6)} + g * ${fl(7)};
  let v = v_in[${word(4)} + i] * ${fl(8)} + (g * g) * ${fl(9)};
  let denom = sqrt(v) / ${fl(10)} + ${fl(11)};
  p_out[i] = p - (m / denom) * ${fl(12)};
  m_out[i] = m;
  v_out[i] = v;
}
`;
  return { key, source, access: ['read', 'read', 'read', 'read', 'write', 'write', 'write'], words, grid: grid1d(n, WG) };
}
