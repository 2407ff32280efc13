import type { UnaryOp } from '../backend-interface.js';

/**
 * One elementwise function, written once for each backend: a JavaScript function for the CPU
 * reference and a WGSL expression over `x` (an f32) for generated GPU kernels.
 *
 * @example
 * ```ts
 * UNARY.exp.cpu(0); // 1
 * UNARY.exp.wgsl;   // 'peft_exp(x)'
 * ```
 */
export interface UnaryDef {
  readonly cpu: (x: number) => number;
  readonly wgsl: string;
}

// The WGSL erf uses Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, a few f32 ulps) with a series
// near 0. The CPU reference is accurate to float64 instead, so it can judge the GPU's error.
const ERF_P = 0.3275911;
/** √(2/π), the tanh-GELU constant. */
const GELU_C = Math.sqrt(2 / Math.PI);
const ERF_A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429] as const;

/** erf in float64: the Maclaurin series below 2.5, the continued fraction of erfc above (both ~1e-15). */
function erf(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  let y: number;
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 100; n++) {
      term *= (-a * a) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) <= 1e-17 * sum) break;
    }
    y = (2 / Math.sqrt(Math.PI)) * sum;
  } else if (a < 6) {
    // erfc(a) = e^(-a²) / √π · 1 / (a + (1/2) / (a + (2/2) / (a + (3/2) / (a + …))))
    let f = a;
    for (let n = 60; n >= 1; n--) f = a + n / 2 / f;
    y = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f);
  } else {
    y = 1;
  }
  return x < 0 ? -y : y;
}

/** WGSL helpers the unary expressions call. @example `const src = WGSL_UNARY_HELPERS + kernel;` */
export const WGSL_UNARY_HELPERS = /* wgsl */ `
fn peft_exp(x: f32) -> f32 {
  // e^x = 2^k e^r with |r| <= ln2/2: about 2 ulp everywhere, where the built-in exp is only
  // required to be within 3 + 2|x| ulp (4e-6 relative near |x| = 80 on some drivers)
  let c = clamp(x, -104.0, 89.0);
  let k = round(c * 1.4426950408889634);
  let r = (c - k * 0.693145751953125) - k * 1.428606765330187e-6;
  let y = ldexp(exp(r), i32(k));
  return select(y, x, (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u);
}
fn peft_erf(x: f32) -> f32 {
  let a = abs(x);
  let t = 1.0 / (1.0 + ${ERF_P} * a);
  var y = 1.0 - (((((${ERF_A[4]} * t + ${ERF_A[3]}) * t + ${ERF_A[2]}) * t + ${ERF_A[1]}) * t + ${ERF_A[0]}) * t) * peft_exp(-a * a);
  if (a < 0.125) {
    // near 0 the line above cancels to a few f32 ulps of 1; the series is exact there in f32
    let a2 = a * a;
    y = 1.1283791670955126 * a * (1.0 - a2 * (0.3333333333333333 - a2 * (0.1 - a2 * 0.023809523809523808)));
  }
  return select(y, -y, x < 0.0);
}
fn peft_nan_in(x: f32) -> bool {
  // by bits: drivers may fold x != x to false
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}
fn peft_tanh(x: f32) -> f32 {
  // tanh(x) = 1 - 2 / (exp(2x) + 1): exact limits, no inf/inf for large |x|; clamp would turn NaN
  // into ±15, so NaN is passed through explicitly
  let c = clamp(x, -15.0, 15.0);
  return select(1.0 - 2.0 / (peft_exp(2.0 * c) + 1.0), x, peft_nan_in(x));
}
fn peft_relu(x: f32) -> f32 {
  // NaN stays NaN as in PyTorch (WGSL leaves max(NaN, 0) to the driver)
  return select(max(x, 0.0), x, peft_nan_in(x));
}
fn peft_sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + peft_exp(-x));
}
fn peft_gelu(x: f32) -> f32 {
  return 0.5 * x * (1.0 + peft_erf(x * 0.7071067811865476));
}
fn peft_gelu_tanh(x: f32) -> f32 {
  return 0.5 * x * (1.0 + peft_tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}
fn peft_silu(x: f32) -> f32 {
  return x * peft_sigmoid(x);
}
`;

/**
 * The table of float unary kernels. Adding an op here (and to {@link UnaryOp}) makes it available on
 * every backend.
 *
 * @example
 * ```ts
 * for (const [name, def] of Object.entries(UNARY)) console.log(name, def.wgsl);
 * ```
 */
export const UNARY: { readonly [K in UnaryOp]: UnaryDef } = {
  neg: { cpu: (x) => -x, wgsl: '-x' },
  exp: { cpu: Math.exp, wgsl: 'peft_exp(x)' },
  log: { cpu: Math.log, wgsl: 'log(x)' },
  sqrt: { cpu: Math.sqrt, wgsl: 'sqrt(x)' },
  rsqrt: { cpu: (x) => 1 / Math.sqrt(x), wgsl: 'inverseSqrt(x)' },
  abs: { cpu: Math.abs, wgsl: 'abs(x)' },
  tanh: { cpu: Math.tanh, wgsl: 'peft_tanh(x)' },
  sigmoid: { cpu: (x) => 1 / (1 + Math.exp(-x)), wgsl: 'peft_sigmoid(x)' },
  relu: { cpu: (x) => (x > 0 || x !== x ? x : 0), wgsl: 'peft_relu(x)' },
  erf: { cpu: erf, wgsl: 'peft_erf(x)' },
  sin: { cpu: Math.sin, wgsl: 'sin(x)' },
  cos: { cpu: Math.cos, wgsl: 'cos(x)' },
  sign: { cpu: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), wgsl: 'sign(x)' },
  reciprocal: { cpu: (x) => 1 / x, wgsl: '1.0 / x' },
  square: { cpu: (x) => x * x, wgsl: 'x * x' },
  floor: { cpu: Math.floor, wgsl: 'floor(x)' },
  gelu: { cpu: (x) => 0.5 * x * (1 + erf(x * Math.SQRT1_2)), wgsl: 'peft_gelu(x)' },
  gelu_tanh: { cpu: (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x))), wgsl: 'peft_gelu_tanh(x)' },
  silu: { cpu: (x) => x / (1 + Math.exp(-x)), wgsl: 'peft_silu(x)' },
};
