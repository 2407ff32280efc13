/**
 * `@peft/core/backend`: the entry point for kernel and backend authors. It holds the primitive
 * {@link Backend} interface a compute backend implements, the kernel registry through which a
 * package brings its own fused ops (`defineKernel`, `registerKernel`, `findKernel`, `runKernel`),
 * and what an implementation needs from the built-in backends: on the CPU, reading views as typed
 * arrays and handing outputs to `CpuBackend.adopt`; on WebGPU, `WebGPUBackend.kernelContext` with
 * the WGSL helpers and the shared texture resources of the texture matmuls.
 *
 * @example
 * ```ts
 * import { defineKernel, type BufferHandle, type CpuBackend, type View } from '@peft/core/backend';
 * export const DOUBLE = defineKernel<[x: View], BufferHandle>('double', {
 *   cpu: (cpu: CpuBackend, x) => cpu.binary('add', x, x, x.shape),
 * });
 * ```
 *
 * @packageDocumentation
 */
import { installTensorMethods } from './tensor-methods.js';

// Tensor's chainable methods call the op and autograd functions, which tensor.ts cannot import (they
// import it): every entry point connects them when it loads (tensorFromBuffer returns tensors).
installTensorMethods();

export type { Backend, BufferHandle, View, MemoryInfo, UnaryOp, BinaryOp, CompareOp, ReduceOp, AdamWStep, NormKind } from './backend-interface.js';
export type { UnaryGradOp } from './kernels/unary-grad.js';
export { defineKernel, registerKernel, findKernel, runKernel } from './backends/kernel-registry.js';
export type { KernelKey, KernelImpl } from './backends/kernel-registry.js';
export { tensorFromBuffer } from './backends/tensor-from-buffer.js';
export { getBackend, setBackend, withBackend } from './backend-registry.js';

// core's fused kernels, for backends that bring their own implementation
export { ADAMW_KERNEL } from './kernels/adamw-kernel.js';
export { NORM_KERNEL, NORM_GRAD_KERNEL } from './kernels/norm-kernels.js';
export { SOFTMAX_KERNEL, SOFTMAX_GRAD_KERNEL } from './kernels/softmax-kernels.js';
export { UNARY_GRAD_KERNEL } from './kernels/unary-grad-kernel.js';

// the CPU reference backend, for CPU kernels
export { CpuBackend, createCpuBackend } from './backends/cpu/cpu-backend.js';
export type { CpuBackendOptions } from './backends/cpu/cpu-backend.js';
export { CpuBuffer, arrayOf, outArray, finishOut } from './backends/cpu/cpu-buffer.js';
export type { CpuArray } from './backends/cpu/cpu-buffer.js';
export { stridedOffsets, at } from './backends/cpu/strided.js';

// a backend of sizes without values, for planning memory before loading
export { ShapeBackend, createShapeBackend } from './backends/shape/shape-backend.js';

// the WebGPU backend, for WGSL kernels
export { WebGPUBackend, createWebGPUBackend } from './backends/webgpu/webgpu-backend.js';
export type { WebGPUBackendOptions } from './backends/webgpu/webgpu-backend.js';
export type { WebGPUKernelContext } from './backends/webgpu/kernel-context.js';
export { WebGPUBuffer } from './backends/webgpu/gpu-buffer.js';
export type { KernelRunner } from './backends/webgpu/kernels/runner.js';
export { BufferWindow, bindingResource } from './backends/webgpu/buffer-window.js';
export type { Bindable } from './backends/webgpu/buffer-window.js';
export type { Kernel } from './backends/webgpu/kernels/wgsl.js';
export { MAX_GRID, binding, header, word, grid1d, flatIndex, load, read, store, storageType, computeType, f32Word } from './backends/webgpu/kernels/wgsl.js';
// the dtype a computation on 16-bit and mixed float operands produces, for backends and kernels
export { computeDType, resultDType } from './dtype.js';
export { BufferPool } from './backends/webgpu/buffer-pool.js';
export type { BufferPoolOptions } from './backends/webgpu/buffer-pool.js';
export { PipelineCache } from './backends/webgpu/pipeline-cache.js';
export type { CompiledKernel } from './backends/webgpu/pipeline-cache.js';
export { KernelProfiler, kernelFamily } from './backends/webgpu/kernel-profiler.js';
export type { KernelProfile, KernelProfileEntry, ProfileMethod } from './backends/webgpu/kernel-profiler.js';
export { TextureResources, textureResourcesOf } from './backends/webgpu/kernels/texture-resources.js';
export type { OperandTextureFormat } from './backends/webgpu/kernels/texture-resources.js';
export type { TextureRunner } from './backends/webgpu/kernels/matmul-texture-encode.js';
export { matmulDeviceProfile } from './backends/webgpu/kernels/matmul-select.js';
export type { MatmulDeviceProfile } from './backends/webgpu/kernels/matmul-select.js';
