import { DeviceError } from '../../errors.js';
import type { Kernel } from './kernels/wgsl.js';

/**
 * A compiled kernel: its pipeline and the bind group layout its bind groups are made against.
 *
 * @example
 * ```ts
 * const { pipeline, layout } = cache.get(kernel);
 * ```
 */
export interface CompiledKernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/**
 * Compiles each WGSL source once. Kernels are looked up by their key first (no source is built on a
 * hit), then by source, so two keys that generate the same text share one pipeline. Compilation
 * errors are caught in an error scope and reported (with the source) through `onError`.
 *
 * @example
 * ```ts
 * const cache = new PipelineCache(device, (e) => pending.push(e));
 * const { pipeline } = cache.get(kernel);
 * ```
 */
export class PipelineCache {
  private readonly byKey = new Map<string, CompiledKernel>();
  private readonly bySource = new Map<string, CompiledKernel>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly pipelineLayouts = new Map<GPUBindGroupLayout, GPUPipelineLayout>();

  constructor(
    private readonly device: GPUDevice,
    private readonly onError: (error: DeviceError) => void,
  ) {}

  /** Number of distinct pipelines compiled. @example `cache.size` */
  get size(): number {
    return this.bySource.size;
  }

  /** The compiled pipeline for a kernel, compiling it on first use. @example `cache.get(k)` */
  get(kernel: Kernel): CompiledKernel {
    const hit = this.byKey.get(kernel.key);
    if (hit) return hit;
    const source = kernel.source();
    let compiled = this.bySource.get(source);
    if (!compiled) {
      compiled = this.compile(source, kernel.access);
      this.bySource.set(source, compiled);
    }
    this.byKey.set(kernel.key, compiled);
    return compiled;
  }

  private layoutFor(access: readonly ('read' | 'write')[]): GPUBindGroupLayout {
    const sig = access.join(',');
    let layout = this.layouts.get(sig);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }];
      access.forEach((a, i) =>
        entries.push({ binding: i + 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: a === 'read' ? 'read-only-storage' : 'storage' } }),
      );
      layout = this.device.createBindGroupLayout({ entries });
      this.layouts.set(sig, layout);
      this.pipelineLayouts.set(layout, this.device.createPipelineLayout({ bindGroupLayouts: [layout] }));
    }
    return layout;
  }

  private compile(source: string, access: readonly ('read' | 'write')[]): CompiledKernel {
    const layout = this.layoutFor(access);
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: source });
    const pipeline = this.device.createComputePipeline({
      layout: this.pipelineLayouts.get(layout)!,
      compute: { module, entryPoint: 'main' },
    });
    void this.device.popErrorScope().then(
      (err) => {
        if (err) this.onError(new DeviceError('BACKEND', `webgpu: a generated kernel failed to compile: ${err.message}\n--- WGSL ---\n${source}`));
      },
      () => undefined,
    );
    return { pipeline, layout };
  }
}
