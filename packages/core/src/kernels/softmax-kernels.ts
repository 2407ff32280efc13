import type { BufferHandle, View } from '../backend-interface.js';
import type { CpuBackend } from '../backends/cpu/cpu-backend.js';
import { cpuSoftmaxGrad } from '../backends/cpu/cpu-fused-grads.js';
import { cpuSoftmax } from '../backends/cpu/cpu-softmax.js';
import { defineKernel } from '../backends/kernel-registry.js';
import { softmaxGradKernel } from '../backends/webgpu/kernels/fused-grads.js';
import { softmaxKernel } from '../backends/webgpu/kernels/softmax.js';
import type { WebGPUBackend } from '../backends/webgpu/webgpu-backend.js';
import { shapeSize } from '../shape.js';

/**
 * The fused softmax (or log-softmax with `log`) over the rows of a contiguous f32 view (its last
 * axis): `exp(x − max) / Σ exp(x − max)`, or `(x − max) − log Σ exp(x − max)`, in one pass instead of
 * five kernels. Registered for `cpu` and `webgpu`.
 *
 * @example
 * ```ts
 * const probs = runKernel(backend, SOFTMAX_KERNEL, x, false);
 * ```
 */
export const SOFTMAX_KERNEL = defineKernel<[x: View, log: boolean], BufferHandle>('softmax', {
  cpu: (cpu: CpuBackend, x, log) => cpu.adopt(cpuSoftmax(x, log, cpu.wide)),
  webgpu: (gpu: WebGPUBackend, x, log) => {
    const ctx = gpu.kernelContext;
    const xb = ctx.input(x, 'softmax');
    const n = shapeSize(x.shape);
    const out = ctx.output('softmax', n, 'f32');
    if (n > 0) ctx.run(softmaxKernel(x, log), [xb, out.buffer]);
    return out;
  },
});

/**
 * The fused input gradient of {@link SOFTMAX_KERNEL} over the rows of contiguous f32 views:
 * `y · (g − Σ g·y)`, or with `log` (y the log-softmax) `g − exp(y) · Σ g`. Registered for `cpu` and `webgpu`.
 *
 * @example
 * ```ts
 * const dx = runKernel(backend, SOFTMAX_GRAD_KERNEL, g, probs, false);
 * ```
 */
export const SOFTMAX_GRAD_KERNEL = defineKernel<[g: View, y: View, log: boolean], BufferHandle>('softmaxGrad', {
  cpu: (cpu: CpuBackend, g, y, log) => cpu.adopt(cpuSoftmaxGrad(g, y, log, cpu.wide)),
  webgpu: (gpu: WebGPUBackend, g, y, log) => gpu.kernelContext.map('softmaxGrad', 'f32', [g, y], shapeSize(y.shape), () => softmaxGradKernel(g, y, log)),
});
