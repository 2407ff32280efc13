import type { BufferHandle, NormKind, View } from '../backend-interface.js';
import type { CpuBackend } from '../backends/cpu/cpu-backend.js';
import { cpuNormGrad } from '../backends/cpu/cpu-fused-grads.js';
import { cpuNorm } from '../backends/cpu/cpu-norm.js';
import { defineKernel } from '../backends/kernel-registry.js';
import { normGradKernel } from '../backends/webgpu/kernels/fused-grads.js';
import { normKernel } from '../backends/webgpu/kernels/norm.js';
import type { WebGPUBackend } from '../backends/webgpu/webgpu-backend.js';
import { shapeSize } from '../shape.js';

/**
 * The fused normalisation of the rows of a contiguous f32 view (rows of its last axis, `n` long):
 * `'layer'` gives `(x − mean) / √(var + eps)`, `'rms'` gives `x / √(mean(x²) + eps)`, then `· weight`
 * and `+ bias` when given (contiguous f32 views of `[n]`). One pass instead of about ten kernels,
 * computed in float32 in the order of the composite ops. Registered for `cpu` and `webgpu`.
 *
 * @example
 * ```ts
 * const out = runKernel(backend, NORM_KERNEL, 'rms', x, weight, null, 1e-6);
 * ```
 */
export const NORM_KERNEL = defineKernel<[kind: NormKind, x: View, weight: View | null, bias: View | null, eps: number], BufferHandle>('norm', {
  cpu: (cpu: CpuBackend, kind, x, weight, bias, eps) => cpu.adopt(cpuNorm(kind, x, weight, bias, eps, cpu.wide)),
  webgpu: (gpu: WebGPUBackend, kind, x, weight, bias, eps) => {
    const ctx = gpu.kernelContext;
    const ins = [x, weight, bias].filter((v): v is View => v !== null).map((v) => ctx.input(v, 'norm'));
    const n = shapeSize(x.shape);
    const out = ctx.output('norm', n, 'f32');
    if (n > 0) ctx.run(normKernel(kind, x, weight, bias, eps), [...ins, out.buffer]);
    return out;
  },
});

/**
 * The fused input gradient of {@link NORM_KERNEL} over the rows of contiguous f32 views: with
 * `x̂ = (x − μ)·r` (μ = 0 for `'rms'`), `r = 1/√(mean((x − μ)²) + eps)` and `ĝ = g·weight`,
 * `dx = r · (ĝ − x̂·mean(ĝ·x̂) − mean(ĝ))` (the last term for `'layer'` only). Registered for `cpu` and `webgpu`.
 *
 * @example
 * ```ts
 * const dx = runKernel(backend, NORM_GRAD_KERNEL, 'layer', g, x, weight, 1e-5);
 * ```
 */
export const NORM_GRAD_KERNEL = defineKernel<[kind: NormKind, g: View, x: View, weight: View | null, eps: number], BufferHandle>('normGrad', {
  cpu: (cpu: CpuBackend, kind, g, x, weight, eps) => cpu.adopt(cpuNormGrad(kind, g, x, weight, eps, cpu.wide)),
  webgpu: (gpu: WebGPUBackend, kind, g, x, weight, eps) => {
    const views = weight ? [g, x, weight] : [g, x];
    return gpu.kernelContext.map('normGrad', 'f32', views, shapeSize(x.shape), () => normGradKernel(kind, g, x, weight, eps));
  },
});
