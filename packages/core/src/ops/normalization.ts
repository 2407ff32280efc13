import type { NormKind } from '../backend-interface.js';
import { findKernel } from '../backends/kernel-registry.js';
import { ShapeError, fmtShape } from '../errors.js';
import { NORM_KERNEL } from '../kernels/norm-kernels.js';
import { composite } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { add, mul, rsqrt, square, sub } from './elementwise.js';
import { mean } from './reduce.js';
import { result } from './apply.js';
import { contiguous } from './elementwise.js';
import { kernelBinds } from './kernel-binds.js';

function checkAffine(op: string, x: Tensor, p: Tensor | null | undefined): void {
  if (!p) return;
  const tail = x.shape.slice(x.rank - p.rank);
  if (p.rank > x.rank || tail.some((d, i) => d !== p.shape[i])) {
    throw new ShapeError(`${op}: parameter ${fmtShape(p.shape)} does not match the trailing axes of input ${fmtShape(x.shape)}`);
  }
}

/**
 * Layer normalisation over the trailing axes covered by `weight` (or the last axis), as
 * `torch.nn.functional.layer_norm`: (x − mean) / sqrt(var + eps) · weight + bias, population variance.
 *
 * @example
 * ```ts
 * layerNorm(h, ln.weight, ln.bias, 1e-5);
 * ```
 */
export function layerNorm(x: Tensor, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5, normalizedRank?: number): Tensor {
  checkAffine('layerNorm', x, weight);
  checkAffine('layerNorm', x, bias);
  const r = normalizedRank ?? weight?.rank ?? bias?.rank ?? 1;
  const axes = Array.from({ length: r }, (_, i) => x.rank - r + i);
  if (r === 1) {
    const y = fusedNorm('layer', x, weight, bias, eps);
    if (y) return y;
  }
  return composite(() => {
    const centered = sub(x, mean(x, axes, true));
    let y = mul(centered, rsqrt(add(mean(square(centered), axes, true), eps)));
    if (weight) y = mul(y, weight);
    if (bias) y = add(y, bias);
    return y;
  });
}

/**
 * Root-mean-square normalisation over the last axis (LLaMA's RMSNorm):
 * x / sqrt(mean(x²) + eps) · weight.
 *
 * @example
 * ```ts
 * rmsNorm(h, norm.weight, 1e-6);
 * ```
 */
export function rmsNorm(x: Tensor, weight?: Tensor | null, eps = 1e-6): Tensor {
  checkAffine('rmsNorm', x, weight);
  const fused = fusedNorm('rms', x, weight, null, eps);
  if (fused) return fused;
  return composite(() => {
    const y = mul(x, rsqrt(add(mean(square(x), -1, true), eps)));
    return weight ? mul(y, weight) : y;
  });
}

/** The backend's one-kernel normalisation over the last axis, for f32 tensors; undefined where it does not apply. */
function fusedNorm(kind: NormKind, x: Tensor, weight: Tensor | null | undefined, bias: Tensor | null | undefined, eps: number): Tensor | undefined {
  const backend = x.liveStorage(kind === 'layer' ? 'layerNorm' : 'rmsNorm').backend;
  const kernel = findKernel(backend, NORM_KERNEL);
  if (!kernel || x.dtype !== 'f32' || x.rank === 0 || !kernelBinds(backend, [x, weight, bias])) return undefined;
  for (const p of [weight, bias]) if (p && (p.dtype !== 'f32' || p.rank !== 1 || !p.isContiguous || p.backend !== backend)) return undefined;
  return composite(() => {
    const xc = x.isContiguous ? x : contiguous(x);
    const buf = kernel(backend, kind, xc.view('norm'), weight ? weight.view('norm') : null, bias ? bias.view('norm') : null, eps);
    const inputs = [xc, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
    return result('norm', inputs, { kind, eps, weight: !!weight, bias: !!bias }, backend, buf, x.shape, 'f32');
  });
}
