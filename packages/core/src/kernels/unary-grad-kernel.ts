import type { BufferHandle, View } from '../backend-interface.js';
import type { CpuBackend } from '../backends/cpu/cpu-backend.js';
import { cpuUnaryGrad } from '../backends/cpu/cpu-fused-grads.js';
import { defineKernel } from '../backends/kernel-registry.js';
import { unaryGradKernel } from '../backends/webgpu/kernels/fused-grads.js';
import type { WebGPUBackend } from '../backends/webgpu/webgpu-backend.js';
import { shapeSize } from '../shape.js';
import type { UnaryGradOp } from './unary-grad.js';

/**
 * The fused gradient of a unary op (see {@link UnaryGradOp}): `g · f′(x)` for f32 views `g` and `x`
 * of one shape, in one pass instead of the composite rule's ten or so kernels. Registered for `cpu`
 * and `webgpu`.
 *
 * @example
 * ```ts
 * const dx = runKernel(backend, UNARY_GRAD_KERNEL, 'gelu_tanh', g, x);
 * ```
 */
export const UNARY_GRAD_KERNEL = defineKernel<[op: UnaryGradOp, g: View, x: View], BufferHandle>('unaryGrad', {
  cpu: (cpu: CpuBackend, op, g, x) => cpu.adopt(cpuUnaryGrad(op, g, x, cpu.wide)),
  webgpu: (gpu: WebGPUBackend, op, g, x) => gpu.kernelContext.map('unaryGrad', 'f32', [g, x], shapeSize(x.shape), () => unaryGradKernel(op, g, x)),
});
