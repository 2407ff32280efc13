import type { Bindable } from './buffer-window.js';
import type { BufferHandle, View } from '../../backend-interface.js';
import type { DType } from '../../dtype.js';
import type { WebGPUBuffer } from './gpu-buffer.js';
import type { KernelRunner } from './kernels/runner.js';
import type { Kernel } from './kernels/wgsl.js';

/**
 * What a WebGPU kernel implementation (see `registerKernel` in `@peft/core/backend`) needs from the
 * backend it runs on, as `gpu.kernelContext`: the input buffers of views (checked to belong to this
 * backend and to be live), new tracked output buffers from the pool, and recording of generated
 * kernels into the backend's command batch. Pipelines are compiled once per kernel source.
 *
 * @example
 * ```ts
 * const scale = (gpu: WebGPUBackend, x: View, s: number): BufferHandle =>
 *   gpu.kernelContext.map('scale', 'f32', [x], shapeSize(x.shape), () => scaleKernel(x, s));
 * ```
 */
export interface WebGPUKernelContext {
  /** The device every kernel runs on. */
  readonly device: GPUDevice;
  /** True on a CPU adapter (lavapipe, SwiftShader, WARP): choose kernels for it. */
  readonly softwareAdapter: boolean;
  /** For multi-pass kernel families: dispatches, scratch buffers from the pool, and ordered raw commands. */
  readonly runner: KernelRunner;
  /** The `GPUBuffer` behind `view`, after checking the device, that this backend can hold its dtype and that one kernel binds the buffer whole (see `WebGPUBackend.binds`; `op` names the error). */
  input(view: View, op: string): GPUBuffer;
  /** A new tracked output of `n` elements of `dtype` from the pool; its `buffer` is the `GPUBuffer` to bind. */
  output(op: string, n: number, dtype: DType): WebGPUBuffer;
  /** Records `kernel` on `buffers` (bindings 1..n in order). */
  run(kernel: Kernel, buffers: readonly Bindable[]): void;
  /** The common case in one call: inputs' buffers, an output of `n` elements, then `kernel()` on `[...inputs, output]` (skipped when `n` is 0). */
  map(op: string, dtype: DType, inputs: readonly View[], n: number, kernel: () => Kernel): BufferHandle;
}
