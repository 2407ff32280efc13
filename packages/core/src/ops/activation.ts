import { findKernel } from '../backends/kernel-registry.js';
import { SOFTMAX_KERNEL } from '../kernels/softmax-kernels.js';
import { composite } from '../scope.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { result } from './apply.js';
import { contiguous, exp, log, sub, unaryOp } from './elementwise.js';
import { max, sum } from './reduce.js';
import { kernelBinds } from './kernel-binds.js';

/**
 * GELU. `'none'` is the exact form x·Φ(x) = ½x(1 + erf(x/√2)) (BERT's `gelu`); `'tanh'` is the
 * approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (GPT-2's `gelu_new`).
 *
 * @example
 * ```ts
 * gelu(h, 'tanh');
 * ```
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return unaryOp(approximate === 'tanh' ? 'gelu_tanh' : 'gelu', x);
}

/**
 * SiLU (swish): x·σ(x), LLaMA's MLP activation.
 *
 * @example
 * ```ts
 * silu(gate).mul(up);
 * ```
 */
export function silu(x: Tensor): Tensor {
  return unaryOp('silu', x);
}

/**
 * Softmax along an axis (the last by default), computed stably (max subtracted first).
 *
 * @example
 * ```ts
 * const probs = softmax(scores, -1);
 * ```
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis(axis, x.rank, 'softmax');
  const fused = fusedSoftmax(x, a, false);
  if (fused) return fused;
  return composite(() => {
    // softmax is invariant to the shift, so the max needs no gradient
    const e = exp(sub(x, max(x, a, true).detach()));
    return e.div(sum(e, a, true));
  });
}

/**
 * log(softmax(x)) along an axis, computed stably.
 *
 * @example
 * ```ts
 * const logp = logSoftmax(logits, -1);
 * ```
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normalizeAxis(axis, x.rank, 'logSoftmax');
  const fused = fusedSoftmax(x, a, true);
  if (fused) return fused;
  return composite(() => {
    const shifted = sub(x, max(x, a, true).detach());
    return sub(shifted, log(sum(exp(shifted), a, true)));
  });
}

/** The backend's one-kernel (log-)softmax over the last axis of an f32 tensor; undefined where it does not apply. */
function fusedSoftmax(x: Tensor, axis: number, log: boolean): Tensor | undefined {
  const backend = x.liveStorage(log ? 'logSoftmax' : 'softmax').backend;
  const kernel = findKernel(backend, SOFTMAX_KERNEL);
  if (!kernel || x.dtype !== 'f32' || axis !== x.rank - 1 || !kernelBinds(backend, [x])) return undefined;
  return composite(() => {
    const xc = x.isContiguous ? x : contiguous(x);
    return result('softmax', [xc], { log }, backend, kernel(backend, xc.view('softmax'), log), x.shape, 'f32');
  });
}
