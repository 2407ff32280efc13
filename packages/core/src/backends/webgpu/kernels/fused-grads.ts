import type { NormKind, View } from '../../../backend-interface.js';
import { UNARY_GRAD, type UnaryGradOp, WGSL_UNARY_GRAD_HELPERS } from '../../../kernels/unary-grad.js';
import { WGSL_UNARY_HELPERS } from '../../../kernels/unary.js';
import { shapeSize } from '../../../shape.js';
import { mapKernel } from './elementwise.js';
import { type Kernel, binding, f32Word, flatIndex, grid1d, header, word } from './wgsl.js';

const WG = 64;

/**
 * The fused gradient `g · f′(x)` of a unary op, one element per invocation (views of any strides).
 *
 * @example
 * ```ts
 * const k = unaryGradKernel('gelu_tanh', g, x); // bindings: g, x, out
 * ```
 */
export function unaryGradKernel(op: UnaryGradOp, g: View, x: View): Kernel {
  return mapKernel({
    name: `grad-${op}`,
    inputs: [g, x],
    vars: ['g', 'x'],
    outDtype: 'f32',
    expr: UNARY_GRAD[op].wgsl,
    helpers: WGSL_UNARY_HELPERS + WGSL_UNARY_GRAD_HELPERS,
    shape: x.shape,
  });
}

/**
 * The input gradient of the fused softmax, one invocation per row of contiguous f32 views:
 * `y·(g − Σ g·y)`, or for log-softmax `g − exp(y)·Σ g`; four elements at a time (four partial sums)
 * where the row length and both offsets are multiples of 4.
 *
 * @example
 * ```ts
 * const k = softmaxGradKernel(g, probs, false); // bindings: g, y, out
 * ```
 */
export function softmaxGradKernel(g: View, y: View, log: boolean): Kernel {
  const n = y.shape[y.shape.length - 1];
  const rows = n === 0 ? 0 : shapeSize(y.shape) / n;
  // rows four elements wide where both views allow it (a quarter of the loads on lavapipe)
  const w = n % 4 === 0 && g.offset % 4 === 0 && y.offset % 4 === 0 ? 4 : 1;
  const words = [rows, n / w, g.offset / w, y.offset / w];
  const key = `softmax-grad:${log ? 'log' : 'prob'}:${w}`;
  const type = w === 4 ? 'vec4<f32>' : 'f32';
  const exp = w === 4 ? (v: string): string => `vec4<f32>(peft_exp(${v}.x), peft_exp(${v}.y), peft_exp(${v}.z), peft_exp(${v}.w))` : (v: string): string => `peft_exp(${v})`;
  const total = w === 4 ? '(s4.x + s4.y) + (s4.z + s4.w)' : 's4';
  const source = (): string =>
    header(['f32'], words.length) +
    WGSL_UNARY_HELPERS +
    `@group(0) @binding(1) var<storage, read> g: array<${type}>;
@group(0) @binding(2) var<storage, read> y: array<${type}>;
@group(0) @binding(3) var<storage, read_write> out: array<${type}>;
` +
    flatIndex(WG, word(0)) +
    `  let n = ${word(1)};
  let gb = ${word(2)} + i * n;
  let yb = ${word(3)} + i * n;
  var s4 = ${type}(0.0);
  for (var k = 0u; k < n; k++) { s4 = s4 + ${log ? 'g[gb + k]' : 'g[gb + k] * y[yb + k]'}; }
  let s = ${total};
  for (var k = 0u; k < n; k++) {
    out[i * n + k] = ${log ? `g[gb + k] - ${exp('y[yb + k]')} * s` : 'y[yb + k] * (g[gb + k] - s)'};
  }
}
`;
  return { key, source, access: ['read', 'read', 'write'], words, grid: grid1d(rows, WG) };
}

/**
 * The input gradient of the fused layer / RMS norm, one invocation per row of contiguous f32 views:
 * `r·(ĝ − x̂·mean(ĝ·x̂) − mean(ĝ))` with `x̂ = (x − μ)·r`, `ĝ = g·w` (no mean(ĝ) term for RMS).
 * The row is read three times (statistics, sums, output) and nothing is written in between.
 *
 * @example
 * ```ts
 * const k = normGradKernel('layer', g, x, w, 1e-5); // bindings: g, x, [w], out
 * ```
 */
export function normGradKernel(kind: NormKind, g: View, x: View, weight: View | null, eps: number): Kernel {
  const n = x.shape[x.shape.length - 1];
  const rows = n === 0 ? 0 : shapeSize(x.shape) / n;
  const words = [rows, n, g.offset, x.offset, weight?.offset ?? 0, f32Word(eps)];
  const key = `norm-grad:${kind}:${weight ? 'w' : '-'}`;
  const gh = (k: string) => (weight ? `(g[gb + ${k}] * w[${word(4)} + ${k}])` : `g[gb + ${k}]`);
  const source = (): string => {
    let b = 1;
    let src = header(['f32'], words.length) + binding(b++, 'g', 'f32', 'read') + binding(b++, 'x', 'f32', 'read');
    if (weight) src += binding(b++, 'w', 'f32', 'read');
    src += binding(b, 'out', 'f32', 'write');
    src += flatIndex(WG, word(0));
    src += `  let n = ${word(1)};
  let gb = ${word(2)} + i * n;
  let xb = ${word(3)} + i * n;
  var mean = 0.0;
`;
    if (kind === 'layer') {
      src += `  var s = 0.0;
  for (var k = 0u; k < n; k++) { s = s + x[xb + k]; }
  mean = s / f32(n);
`;
    }
    src += `  var sq = 0.0;
  for (var k = 0u; k < n; k++) { let c = x[xb + k] - mean; sq = sq + c * c; }
  let inv = inverseSqrt(sq / f32(n) + bitcast<f32>(${word(5)}));
  var sgx = 0.0;
  var sg = 0.0;
  for (var k = 0u; k < n; k++) {
    let h = ${gh('k')};
    sgx = sgx + h * ((x[xb + k] - mean) * inv);
    sg = sg + h;
  }
  let a = sgx / f32(n);
  let b = ${kind === 'layer' ? 'sg / f32(n)' : '0.0'};
  for (var k = 0u; k < n; k++) {
    let xh = (x[xb + k] - mean) * inv;
    out[i * n + k] = inv * (${gh('k')} - (xh * a + b));
  }
}
`;
    return src;
  };
  const access: ('read' | 'write')[] = weight ? ['read', 'read', 'read', 'write'] : ['read', 'read', 'write'];
  return { key, source, access, words, grid: grid1d(rows, WG) };
}
