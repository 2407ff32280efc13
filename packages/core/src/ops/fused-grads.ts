import type { NormKind } from '../backend-interface.js';
import { findKernel } from '../backends/kernel-registry.js';
import { NORM_GRAD_KERNEL } from '../kernels/norm-kernels.js';
import { SOFTMAX_GRAD_KERNEL } from '../kernels/softmax-kernels.js';
import type { UnaryGradOp } from '../kernels/unary-grad.js';
import { UNARY_GRAD_KERNEL } from '../kernels/unary-grad-kernel.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { plain } from './apply.js';
import { contiguous } from './elementwise.js';
import { kernelBinds } from './kernel-binds.js';

/** The backend of `ts` when every one is f32 on that backend; undefined otherwise. */
function f32Backend(ts: readonly Tensor[]) {
  const b = ts[0].liveStorage('grad').backend;
  return ts.every((t) => t.dtype === 'f32' && t.liveStorage('grad').backend === b) && kernelBinds(b, ts) ? b : undefined;
}

const dense = (t: Tensor): Tensor => (t.isContiguous ? t : contiguous(t));

/**
 * `g · f′(x)` in one kernel where the backend has the `unaryGrad` kernel and both are f32 of one shape;
 * undefined otherwise (the caller falls back to its composite rule). Not recorded for autograd:
 * gradient rules run with recording off.
 *
 * @example
 * ```ts
 * const dx = fusedUnaryGrad('gelu_tanh', g, x) ?? compositeRule(g, x);
 * ```
 * @internal
 */
export function fusedUnaryGrad(op: UnaryGradOp, g: Tensor, x: Tensor): Tensor | undefined {
  const b = f32Backend([g, x]);
  const kernel = b && findKernel(b, UNARY_GRAD_KERNEL);
  if (!b || !kernel || !shapesEqual(g.shape, x.shape)) return undefined;
  return plain(b, kernel(b, op, g.view('unaryGrad'), x.view('unaryGrad')), x.shape, 'f32');
}

/**
 * The fused softmax's input gradient over the last axis (`y` the softmax, or with `log` the
 * log-softmax, output) where the backend has the `softmaxGrad` kernel; undefined otherwise.
 *
 * @example
 * ```ts
 * const dx = fusedSoftmaxGrad(g, probs, false) ?? compositeRule(g, probs);
 * ```
 * @internal
 */
export function fusedSoftmaxGrad(g: Tensor, y: Tensor, log: boolean): Tensor | undefined {
  const b = f32Backend([g, y]);
  const kernel = b && findKernel(b, SOFTMAX_GRAD_KERNEL);
  if (!b || !kernel || !shapesEqual(g.shape, y.shape)) return undefined;
  return plain(b, kernel(b, dense(g).view('softmaxGrad'), dense(y).view('softmaxGrad'), log), y.shape, 'f32');
}

/**
 * The fused layer / RMS norm's input gradient over the last axis where the backend has the `normGrad` kernel
 * (the weight, when given, a 1-d f32 tensor); undefined otherwise.
 *
 * @example
 * ```ts
 * const dx = fusedNormGrad('layer', g, x, w, 1e-5) ?? compositeRule(g, x, w);
 * ```
 * @internal
 */
export function fusedNormGrad(kind: NormKind, g: Tensor, x: Tensor, weight: Tensor | undefined, eps: number): Tensor | undefined {
  const b = f32Backend(weight ? [g, x, weight] : [g, x]);
  const kernel = b && findKernel(b, NORM_GRAD_KERNEL);
  if (!b || !kernel || !shapesEqual(g.shape, x.shape) || (weight && weight.rank !== 1)) return undefined;
  const w = weight ? dense(weight).view('normGrad') : null;
  return plain(b, kernel(b, kind, dense(g).view('normGrad'), dense(x).view('normGrad'), w, eps), x.shape, 'f32');
}
