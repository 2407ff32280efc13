import type { BinaryOp, CompareOp } from '../backend-interface.js';

/**
 * One binary elementwise function for both backends: a JavaScript function for the CPU reference
 * and a WGSL expression over `a` and `b`. `int` is the integer form (i32/u32), absent for float-only ops.
 *
 * @example
 * ```ts
 * BINARY.add.cpu(1, 2); // 3
 * ```
 */
export interface BinaryDef {
  readonly cpu: (a: number, b: number) => number;
  readonly wgsl: string;
  readonly int?: { readonly cpu: (a: number, b: number) => number; readonly wgsl: string };
}

/** pow with C's special cases where JavaScript's Math.pow differs: 1^y = 1 (NaN and ±inf y), (-1)^±inf = 1. */
function powC(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

/**
 * Arithmetic kernels.
 *
 * @example
 * ```ts
 * BINARY.pow.wgsl; // the WGSL expression used by the GPU kernel
 * ```
 */
export const BINARY: { readonly [K in BinaryOp]: BinaryDef } = {
  add: { cpu: (a, b) => a + b, wgsl: 'a + b', int: { cpu: (a, b) => a + b, wgsl: 'a + b' } },
  sub: { cpu: (a, b) => a - b, wgsl: 'a - b', int: { cpu: (a, b) => a - b, wgsl: 'a - b' } },
  mul: { cpu: (a, b) => a * b, wgsl: 'a * b', int: { cpu: (a, b) => Math.imul(a, b), wgsl: 'a * b' } },
  // integer division truncates; WGSL defines x / 0 = x, and so does the CPU reference
  div: { cpu: (a, b) => a / b, wgsl: 'a / b', int: { cpu: (a, b) => (b === 0 ? a : Math.trunc(a / b)), wgsl: 'a / b' } },
  // pow follows C/PyTorch: a negative base with an integer exponent is defined
  pow: { cpu: powC, wgsl: 'peft_pow(a, b)' },
  maximum: { cpu: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)), wgsl: 'max(a, b)', int: { cpu: Math.max, wgsl: 'max(a, b)' } },
  minimum: { cpu: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)), wgsl: 'min(a, b)', int: { cpu: Math.min, wgsl: 'min(a, b)' } },
};

/** WGSL helpers the binary expressions call. @example `const src = WGSL_BINARY_HELPERS + kernel;` */
export const WGSL_BINARY_HELPERS = /* wgsl */ `
fn peft_pow(a: f32, b: f32) -> f32 {
  // an infinity written as a constant is a WGSL compile error: build it at run time
  let inf_bits = 0x7f800000u;
  // as C and PyTorch: x^0 = 1 and 1^y = 1 even for a NaN, and (-1)^±inf = 1
  if (b == 0.0 || a == 1.0 || (a == -1.0 && abs(b) == bitcast<f32>(inf_bits))) { return 1.0; }
  // pow(0, b < 0) is undefined in WGSL (some drivers give 0); C and PyTorch give +inf
  let m = select(pow(abs(a), b), bitcast<f32>(inf_bits), a == 0.0 && b < 0.0);
  if (a >= 0.0) { return m; }
  // a NaN written as a constant is a WGSL compile error: build it at run time
  let nan_bits = 0x7fc00000u;
  if (floor(b) != b) { return bitcast<f32>(nan_bits); }
  let odd = (abs(b) % 2.0) == 1.0;
  return select(m, -m, odd);
}
`;

/**
 * Comparison kernels (operands of any one dtype, result bool).
 *
 * @example
 * ```ts
 * COMPARE.lt.cpu(1, 2); // true
 * ```
 */
export const COMPARE: { readonly [K in CompareOp]: { readonly cpu: (a: number, b: number) => boolean; readonly wgsl: string } } = {
  eq: { cpu: (a, b) => a === b, wgsl: 'a == b' },
  ne: { cpu: (a, b) => a !== b, wgsl: 'a != b' },
  lt: { cpu: (a, b) => a < b, wgsl: 'a < b' },
  le: { cpu: (a, b) => a <= b, wgsl: 'a <= b' },
  gt: { cpu: (a, b) => a > b, wgsl: 'a > b' },
  ge: { cpu: (a, b) => a >= b, wgsl: 'a >= b' },
};
