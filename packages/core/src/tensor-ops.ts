import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/** A reduction's axes: one axis, several, or all when omitted. */
type Axes = number | readonly number[];

/**
 * The functions behind {@link Tensor}'s chainable methods: each method `t.f(...args)` calls
 * `f(t, ...args)` of this table. `tensor.ts` only knows this shape; the ops and autograd modules that
 * fill it depend on `tensor.ts`, so they are installed at start-up (see `installTensorMethods`) and
 * never imported by it.
 *
 * @internal
 * @example
 * ```ts
 * const table: TensorOps = { ...ops, backward };
 * ```
 */
export interface TensorOps {
  add(a: Tensor, b: Tensor | number): Tensor;
  sub(a: Tensor, b: Tensor | number): Tensor;
  mul(a: Tensor, b: Tensor | number): Tensor;
  div(a: Tensor, b: Tensor | number): Tensor;
  pow(a: Tensor, b: Tensor | number): Tensor;
  neg(a: Tensor): Tensor;
  exp(a: Tensor): Tensor;
  log(a: Tensor): Tensor;
  sqrt(a: Tensor): Tensor;
  rsqrt(a: Tensor): Tensor;
  abs(a: Tensor): Tensor;
  tanh(a: Tensor): Tensor;
  sigmoid(a: Tensor): Tensor;
  relu(a: Tensor): Tensor;
  matmul(a: Tensor, b: Tensor): Tensor;
  sum(a: Tensor, axes?: Axes, keepdim?: boolean): Tensor;
  mean(a: Tensor, axes?: Axes, keepdim?: boolean): Tensor;
  max(a: Tensor, axes?: Axes, keepdim?: boolean): Tensor;
  min(a: Tensor, axes?: Axes, keepdim?: boolean): Tensor;
  argmax(a: Tensor, axis: number, keepdim?: boolean): Tensor;
  reshape(a: Tensor, shape: readonly number[]): Tensor;
  transpose(a: Tensor, axis0?: number, axis1?: number): Tensor;
  permute(a: Tensor, perm: readonly number[]): Tensor;
  expand(a: Tensor, shape: readonly number[]): Tensor;
  slice(a: Tensor, starts: readonly number[], ends: readonly number[], steps?: readonly number[]): Tensor;
  cast(a: Tensor, dtype: DType): Tensor;
  contiguous(a: Tensor): Tensor;
  /** Fills `.grad` of the leaves under `root` (see `Tensor.backward`). */
  backward(root: Tensor, seed?: Tensor): void;
}
