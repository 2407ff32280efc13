import type { Bindable } from '../buffer-window.js';
import type { Kernel } from './wgsl.js';

/**
 * What multi-pass kernel families need from the backend: dispatching a kernel on buffers, and
 * scratch buffers from the pool. A scratch buffer is recycled right after the dispatches that use
 * it are recorded; later commands may reuse it, which is safe because commands run in order.
 *
 * @example
 * ```ts
 * const tmp = runner.scratch(n * 4);
 * runner.run(kernelA, [x, tmp]);
 * runner.run(kernelB, [tmp, out]);
 * runner.recycle(tmp);
 * ```
 */
export interface KernelRunner {
  /** True on CPU adapters (lavapipe, SwiftShader), where kernels with workgroup barriers are slow. */
  readonly softwareAdapter: boolean;
  run(kernel: Kernel, buffers: readonly Bindable[]): void;
  scratch(bytes: number): GPUBuffer;
  recycle(buffer: GPUBuffer): void;
  /** The device, for kernel families that manage their own pipelines and textures (matmul-texture). */
  readonly device?: GPUDevice;
  /** Records commands in order with the dispatches; no compute pass is open while `fn` runs. `family` names it in profiles. */
  encode?(fn: (encoder: GPUCommandEncoder) => void, family?: string): void;
}
