import { UNARY } from './unary.js';

/**
 * The unary ops whose gradient has a one-kernel form: `g · f′(x)` computed from the input `x` and
 * the output's gradient `g` in one pass, instead of the ten or so kernels of the composite rule.
 *
 * @example
 * ```ts
 * const op: UnaryGradOp = 'gelu_tanh';
 * ```
 */
export type UnaryGradOp = 'gelu' | 'gelu_tanh' | 'silu';

/**
 * One fused gradient, written once per backend: a JavaScript function of (x, g) for the CPU
 * reference (in float64, rounded once on store) and a WGSL expression over the f32 `x` and `g`.
 *
 * @example
 * ```ts
 * UNARY_GRAD.silu.cpu(0, 1); // 0.5
 * ```
 */
export interface UnaryGradDef {
  readonly cpu: (x: number, g: number) => number;
  readonly wgsl: string;
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_K = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_C_F = Math.fround(GELU_C);
const GELU_K_F = Math.fround(GELU_K);
const GELU_3K_F = Math.fround(3 * GELU_K);

/**
 * The fused gradients; each matches its composite rule in autograd/grad-rules.ts:
 * gelu: `g·(Φ(x) + x·φ(x))`; gelu_tanh: `g·(½(1 + t) + ½x(1 − t²)·c(1 + 3kx²))` with
 * `t = tanh(c(x + kx³))`; silu: `g·σ(x)(1 + x(1 − σ(x)))`. The WGSL calls the helpers of
 * `WGSL_UNARY_HELPERS`.
 *
 * @example
 * ```ts
 * UNARY_GRAD.gelu_tanh.wgsl; // an expression over x and g
 * ```
 */
export const UNARY_GRAD: { readonly [K in UnaryGradOp]: UnaryGradDef } = {
  gelu: {
    cpu: (x, g) => g * (0.5 * (1 + UNARY.erf.cpu(x * Math.SQRT1_2)) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI),
    wgsl: `g * (0.5 * (1.0 + peft_erf(x * 0.7071067811865476)) + x * peft_exp(-0.5 * x * x) * ${INV_SQRT_2PI})`,
  },
  gelu_tanh: {
    // float32 steps in the order of the composite rule, so both forms round alike
    cpu: (x, g) => {
      const f = Math.fround;
      const x2 = f(x * x);
      const t = f(Math.tanh(f(f(x + f(f(x2 * x) * GELU_K_F)) * GELU_C_F)));
      const inner = f(f(f(x2 * GELU_3K_F) + 1) * GELU_C_F);
      const d = f(f(f(t + 1) * 0.5) + f(f(f(x * 0.5) * f(1 - f(t * t))) * inner));
      return g * d;
    },
    wgsl: `g * peft_gelu_tanh_grad(x)`,
  },
  silu: {
    cpu: (x, g) => {
      const s = 1 / (1 + Math.exp(-x));
      return g * s * (1 + x * (1 - s));
    },
    wgsl: `g * peft_sigmoid(x) * (1.0 + x * (1.0 - peft_sigmoid(x)))`,
  },
};

/** WGSL helpers of the fused gradients (after `WGSL_UNARY_HELPERS`). @example `const src = WGSL_UNARY_HELPERS + WGSL_UNARY_GRAD_HELPERS;` */
export const WGSL_UNARY_GRAD_HELPERS = /* wgsl */ `
fn peft_gelu_tanh_grad(x: f32) -> f32 {
  // the composite rule's order of operations: (x + x²·x·k)·c inside tanh, (x²·3k + 1)·c outside
  let x2 = x * x;
  let t = peft_tanh((x + (x2 * x) * ${GELU_K}) * ${GELU_C});
  let inner = (x2 * ${3 * GELU_K} + 1.0) * ${GELU_C};
  return (t + 1.0) * 0.5 + ((x * 0.5) * (1.0 - t * t)) * inner;
}
`;
