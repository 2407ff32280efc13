import type { View } from '../../../backend-interface.js';
import { WGSL_UNARY_HELPERS } from '../../../kernels/unary.js';
import { shapeSize } from '../../../shape.js';
import { type Kernel, binding, flatIndex, grid1d, header, word } from './wgsl.js';

const WG = 64;

/**
 * Fused softmax / log-softmax: one invocation per row of a contiguous f32 view finds the row's max
 * (NaN wins, as the max reduction), sums `exp(x − max)` and writes the normalised row.
 *
 * @example
 * ```ts
 * const k = softmaxKernel(scores, false); // bindings: x, out
 * ```
 */
export function softmaxKernel(x: View, log: boolean): Kernel {
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : shapeSize(x.shape) / n;
  const words = [rows, n, x.offset];
  const key = `softmax:${log ? 'log' : 'prob'}`;
  const source = (): string =>
    header(['f32'], words.length) +
    WGSL_UNARY_HELPERS +
    binding(1, 'x', 'f32', 'read') +
    binding(2, 'out', 'f32', 'write') +
    flatIndex(WG, word(0)) +
    `  let n = ${word(1)};
  let base = ${word(2)} + i * n;
  var m = x[base];
  for (var k = 1u; k < n; k++) {
    let v = x[base + k];
    m = select(max(m, v), select(v, m, peft_isnan(m)), peft_isnan(m) || peft_isnan(v));
  }
  var s = 0.0;
  for (var k = 0u; k < n; k++) { s = s + peft_exp(x[base + k] - m); }
  let ls = log(s);
  for (var k = 0u; k < n; k++) {
    let shifted = x[base + k] - m;
    out[i * n + k] = ${log ? 'shifted - ls' : 'peft_exp(shifted) / s'};
  }
}
`;
  return { key, source, access: ['read', 'write'], words, grid: grid1d(rows, WG) };
}
