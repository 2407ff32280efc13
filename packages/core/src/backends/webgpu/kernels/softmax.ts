import type { View } from '../../../backend-interface.js';
import { WGSL_UNARY_HELPERS } from '../../../kernels/unary.js';
import { shapeSize } from '../../../shape.js';
import { type Kernel, binding, flatIndex, grid1d, header, word } from './wgsl.js';

const WG = 64;

/** WGSL of the max that NaN wins, as the max reduction's. */
const NAN_MAX = `fn peft_nan_max(m: f32, v: f32) -> f32 {
  return select(max(m, v), select(v, m, peft_isnan(m)), peft_isnan(m) || peft_isnan(v));
}
`;

/**
 * Fused softmax / log-softmax: one invocation per row of a contiguous f32 view finds the row's max
 * (NaN wins, as the max reduction), sums `exp(x − max)` and writes the normalised row. Rows whose
 * length and offset are multiples of 4 are read and written four elements at a time (`vec4`; on
 * lavapipe every lane's load is a loop, so this takes a quarter of the loads), summing four partial
 * sums.
 *
 * @example
 * ```ts
 * const k = softmaxKernel(scores, false); // bindings: x, out
 * ```
 */
export function softmaxKernel(x: View, log: boolean): Kernel {
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : shapeSize(x.shape) / n;
  const wide = n % 4 === 0 && x.offset % 4 === 0;
  const words = [rows, wide ? n / 4 : n, wide ? x.offset / 4 : x.offset];
  const key = `softmax:${log ? 'log' : 'prob'}:${wide ? 4 : 1}`;
  const narrowBody = `  let n = ${word(1)};
  let base = ${word(2)} + i * n;
  var m = x[base];
  for (var k = 1u; k < n; k++) { m = peft_nan_max(m, x[base + k]); }
  var s = 0.0;
  for (var k = 0u; k < n; k++) { s = s + peft_exp(x[base + k] - m); }
  let ls = log(s);
  for (var k = 0u; k < n; k++) {
    let shifted = x[base + k] - m;
    out[i * n + k] = ${log ? 'shifted - ls' : 'peft_exp(shifted) / s'};
  }
}
`;
  const exp4 = (v: string): string => `vec4<f32>(peft_exp(${v}.x), peft_exp(${v}.y), peft_exp(${v}.z), peft_exp(${v}.w))`;
  const wideBody = `  let n = ${word(1)};
  let base = ${word(2)} + i * n;
  var m4 = x[base];
  for (var k = 1u; k < n; k++) {
    let v = x[base + k];
    m4 = vec4<f32>(peft_nan_max(m4.x, v.x), peft_nan_max(m4.y, v.y), peft_nan_max(m4.z, v.z), peft_nan_max(m4.w, v.w));
  }
  let m = peft_nan_max(peft_nan_max(m4.x, m4.y), peft_nan_max(m4.z, m4.w));
  var s4 = vec4<f32>(0.0);
  for (var k = 0u; k < n; k++) { let d = x[base + k] - m; s4 = s4 + ${exp4('d')}; }
  let s = (s4.x + s4.y) + (s4.z + s4.w);
  let ls = log(s);
  for (var k = 0u; k < n; k++) {
    let shifted = x[base + k] - m;
    out[i * n + k] = ${log ? 'shifted - ls' : `${exp4('shifted')} / s`};
  }
}
`;
  const source = (): string =>
    header(['f32'], words.length) +
    WGSL_UNARY_HELPERS +
    NAN_MAX +
    (wide
      ? `@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
`
      : binding(1, 'x', 'f32', 'read') + binding(2, 'out', 'f32', 'write')) +
    flatIndex(WG, word(0)) +
    (wide ? wideBody : narrowBody);
  return { key, source, access: ['read', 'write'], words, grid: grid1d(rows, WG) };
}
