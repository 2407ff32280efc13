import { backward } from './autograd/backward.js';
import * as ops from './ops/index.js';
import { installTensorOps } from './tensor.js';
import type { TensorOps } from './tensor-ops.js';

/** Every chainable method of Tensor, each the op function of the same name. */
const TENSOR_OPS: TensorOps = {
  add: ops.add,
  sub: ops.sub,
  mul: ops.mul,
  div: ops.div,
  pow: ops.pow,
  neg: ops.neg,
  exp: ops.exp,
  log: ops.log,
  sqrt: ops.sqrt,
  rsqrt: ops.rsqrt,
  abs: ops.abs,
  tanh: ops.tanh,
  sigmoid: ops.sigmoid,
  relu: ops.relu,
  matmul: ops.matmul,
  sum: ops.sum,
  mean: ops.mean,
  max: ops.max,
  min: ops.min,
  argmax: ops.argmax,
  reshape: ops.reshape,
  transpose: ops.transpose,
  permute: ops.permute,
  expand: ops.expand,
  slice: ops.slice,
  cast: ops.cast,
  contiguous: ops.contiguous,
  backward,
};

/**
 * Connects {@link Tensor}'s chainable methods (`t.add(b)`, `t.matmul(w)`, `loss.backward()`, …) to the
 * op and autograd functions. `tensor.ts` does not import those modules (they import it), so each entry
 * point of `@peft/core` (`index`, `node`, `testing`) calls this once when it loads; calling it again
 * does nothing new. Programs that import `@peft/core` never need to call it themselves.
 *
 * @example
 * ```ts
 * installTensorMethods();
 * ones([2]).add(1);
 * ```
 */
export function installTensorMethods(): void {
  installTensorOps(TENSOR_OPS);
}
