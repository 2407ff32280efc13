import type { AdamWStep, BufferHandle, View } from '../backend-interface.js';
import type { CpuBackend } from '../backends/cpu/cpu-backend.js';
import { cpuAdamW } from '../backends/cpu/cpu-adamw.js';
import { defineKernel } from '../backends/kernel-registry.js';
import { adamwKernel } from '../backends/webgpu/kernels/adamw.js';
import type { WebGPUBackend } from '../backends/webgpu/webgpu-backend.js';
import { shapeSize } from '../shape.js';

/**
 * The fused AdamW update of contiguous f32 tensors of one shape, in one pass instead of a dozen
 * kernels: new buffers `[param, expAvg, expAvgSq]`, computed in float32 in the order of the composite
 * update (so the CPU reference gives the same bits either way):
 * `p·decay − ((β1·m + (1−β1)·g) / (√(β2·v + (1−β2)·g²) / bc2Sqrt + eps)) · stepSize`.
 * Registered for `cpu` and `webgpu`; the optimizer falls back to the composite update elsewhere.
 *
 * @example
 * ```ts
 * const impl = findKernel(backend, ADAMW_KERNEL);
 * const [p, m, v] = impl!(backend, param, grad, expAvg, expAvgSq, h);
 * ```
 */
export const ADAMW_KERNEL = defineKernel<[param: View, grad: View, expAvg: View, expAvgSq: View, h: AdamWStep], [BufferHandle, BufferHandle, BufferHandle]>('adamw', {
  cpu: (cpu: CpuBackend, param, grad, expAvg, expAvgSq, h) => {
    const [p, m, v] = cpuAdamW(param, grad, expAvg, expAvgSq, h, cpu.wide);
    return [cpu.adopt(p), cpu.adopt(m), cpu.adopt(v)];
  },
  webgpu: (gpu: WebGPUBackend, param, grad, expAvg, expAvgSq, h) => {
    const ctx = gpu.kernelContext;
    const ins = [param, grad, expAvg, expAvgSq].map((v) => ctx.input(v, 'adamw'));
    const n = shapeSize(param.shape);
    const outs = [ctx.output('adamw', n, 'f32'), ctx.output('adamw', n, 'f32'), ctx.output('adamw', n, 'f32')] as const;
    if (n > 0) ctx.run(adamwKernel(param, grad, expAvg, expAvgSq, h), [...ins, ...outs.map((o) => o.buffer)]);
    return [outs[0], outs[1], outs[2]];
  },
});
