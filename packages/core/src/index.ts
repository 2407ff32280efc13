/**
 * `@peft/core`: tensors, autograd, modules, optimizers and safetensors on WebGPU, with an exact CPU
 * reference backend.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './dtype.js';
export * from './shape.js';
export type { Backend, BufferHandle, View, UnaryOp, BinaryOp, CompareOp, ReduceOp, MemoryInfo, AdamWStep } from './backend.js';
export { Storage } from './storage.js';
export { Tensor } from './tensor.js';
export { tidy, keep, composite, scopeDepth } from './scope.js';
export { getBackend, setBackend, withBackend } from './backend-registry.js';
export { CpuBackend, createCpuBackend } from './backends/cpu/cpu-backend.js';
export type { CpuBackendOptions } from './backends/cpu/cpu-backend.js';
export { Generator, defaultGenerator, manualSeed } from './random.js';
export { noGrad, isGradEnabled } from './autograd/graph.js';
export type { OpAttrs, OpName, GradNode } from './autograd/graph.js';
export { GRAD_RULES, sumToShape } from './autograd/grad-rules.js';
export type { GradRule } from './autograd/grad-rules.js';
export { backward } from './autograd/backward.js';
export * from './ops/index.js';
export { hash32, dropoutKeep } from './kernels/random-hash.js';
export * from './nn/index.js';
export * from './models/index.js';
export * from './optim/index.js';
export * from './io/safetensors-dtype.js';
export * from './io/safetensors-header.js';
export { decodeSafetensorsInto, decodeSafetensorsBytes, encodeSafetensorsValues } from './io/safetensors-codec.js';
export type { SafetensorsValues } from './io/safetensors-codec.js';
export * from './io/safetensors-writer.js';
export * from './io/safetensors.js';
export * from './io/safetensors-reader.js';
export * from './io/safetensors-tensors.js';
export * from './io/float-bits.js';
export type { CheckpointSource } from './io/checkpoint-source.js';
export { memorySource } from './io/checkpoint-source.js';
export { parseStrictJson, JsonNumberText, isWellFormedUtf16 } from './io/strict-json.js';
export type { JsonValue } from './io/strict-json.js';
export { WebGPUBackend, createWebGPUBackend } from './backends/webgpu/webgpu-backend.js';
export type { WebGPUBackendOptions } from './backends/webgpu/webgpu-backend.js';
export { BufferPool } from './backends/webgpu/buffer-pool.js';
export { PipelineCache } from './backends/webgpu/pipeline-cache.js';
export type { CompiledKernel } from './backends/webgpu/pipeline-cache.js';
export type { BufferPoolOptions } from './backends/webgpu/buffer-pool.js';
export type { Kernel } from './backends/webgpu/kernels/wgsl.js';
