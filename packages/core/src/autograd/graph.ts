import type { NormKind } from '../backend-interface.js';
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type { CustomAttrs } from './custom-function.js';

/**
 * The attributes each differentiable primitive records for its backward. Every key here must have a
 * rule in `GRAD_RULES` (autograd/grad-rules.ts), and only ops listed here can record a graph node, so
 * an op without a gradient rule does not compile.
 *
 * @example
 * ```ts
 * const attrs: OpAttrs['sum'] = { axes: [1], keepdim: false };
 * ```
 */
export interface OpAttrs {
  neg: object;
  exp: object;
  log: object;
  sqrt: object;
  rsqrt: object;
  abs: object;
  tanh: object;
  sigmoid: object;
  relu: object;
  erf: object;
  sin: object;
  cos: object;
  reciprocal: object;
  square: object;
  norm: { kind: NormKind; eps: number; weight: boolean; bias: boolean };
  softmax: { log: boolean };
  gelu: object;
  gelu_tanh: object;
  silu: object;
  add: object;
  sub: object;
  mul: object;
  div: object;
  pow: object;
  maximum: object;
  minimum: object;
  where: object;
  cast: { from: DType };
  contiguous: object;
  sum: { axes: readonly number[]; keepdim: boolean };
  max: { axes: readonly number[]; keepdim: boolean };
  min: { axes: readonly number[]; keepdim: boolean };
  matmul: object;
  reshape: object;
  permute: { perm: readonly number[] };
  expand: object;
  slice: { starts: readonly number[]; steps: readonly number[] };
  concat: { axis: number };
  gather: { axis: number };
  scatterAdd: { axis: number };
  pad: { starts: readonly number[]; steps: readonly number[] };
  dropout: { p: number; seed: number };
  /** A {@link customFunction} node: its gradient is the function's own backward. */
  custom: CustomAttrs;
}

/**
 * Names of the differentiable primitives.
 *
 * @example
 * ```ts
 * const op: OpName = 'matmul';
 * ```
 */
export type OpName = keyof OpAttrs;

/**
 * One recorded application of a primitive: what backward needs to compute input gradients.
 *
 * @example
 * ```ts
 * const node = y.node; // { op: 'mul', inputs: [a, b], attrs: {} }
 * ```
 */
export interface GradNode<K extends OpName = OpName> {
  readonly op: K;
  readonly inputs: readonly Tensor[];
  readonly attrs: OpAttrs[K];
}

let gradEnabled = true;

/**
 * Runs `fn` without recording gradients (evaluation, optimizer updates).
 *
 * @example
 * ```ts
 * const logits = noGrad(() => model.forward(ids));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Runs `fn` with gradient recording on, even inside {@link noGrad} or a gradient rule (PyTorch's
 * `torch.enable_grad`): how a rule that recomputes a block (see {@link checkpoint}) records the graph
 * it differentiates.
 *
 * @example
 * ```ts
 * noGrad(() => enableGrad(() => isGradEnabled())); // true
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Whether ops currently record the graph.
 *
 * @example
 * ```ts
 * noGrad(() => isGradEnabled()); // false
 * ```
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}
