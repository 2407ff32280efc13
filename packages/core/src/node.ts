/**
 * Node-only entry point of `@peft/core`: the Dawn WebGPU runtime (npm `webgpu`) and backend set-up.
 * Browsers use `navigator.gpu` with `createWebGPUBackend` from the main entry instead.
 *
 * @packageDocumentation
 */
import { create, globals } from 'webgpu';
import type { Backend } from './backend-interface.js';
import { setBackend } from './backend-registry.js';
import { createCpuBackend } from './backends/cpu/cpu-backend.js';
import { type WebGPUBackendOptions, createWebGPUBackend } from './backends/webgpu/webgpu-backend.js';
import { DeviceError } from './errors.js';
import { installTensorMethods } from './tensor-methods.js';

// Tensor's chainable methods call the op and autograd functions, which tensor.ts cannot import (they
// import it): every entry point connects them when it loads.
installTensorMethods();

let gpu: GPU | null = null;

/**
 * The `GPU` object of Dawn for Node (created once; it must stay referenced while devices live).
 * Installs the WebGPU globals (`GPUBufferUsage`, …) that kernels use.
 *
 * @example
 * ```ts
 * const backend = await createWebGPUBackend({ gpu: nodeGPU() });
 * ```
 */
export function nodeGPU(): GPU {
  if (!gpu) {
    Object.assign(globalThis, globals);
    gpu = create([]);
  }
  return gpu;
}

/**
 * Releases the Dawn instance so Node can exit (call after destroying every WebGPU backend).
 *
 * @example
 * ```ts
 * backend.destroy(); releaseNodeGPU();
 * ```
 */
export function releaseNodeGPU(): void {
  gpu = null;
}

/**
 * Options of {@link initBackend}.
 *
 * @example
 * ```ts
 * await initBackend({ prefer: 'webgpu', requireWebGPU: true });
 * ```
 */
export interface InitBackendOptions extends Omit<WebGPUBackendOptions, 'gpu'> {
  /** Which backend to try first (default 'webgpu'). */
  prefer?: 'webgpu' | 'cpu';
  /** Fail instead of falling back to the CPU (default: the `PEFT_REQUIRE_WEBGPU=1` environment variable). */
  requireWebGPU?: boolean;
  /** Called with the warning when falling back to the CPU (default: console.warn). */
  onWarning?: (message: string) => void;
}

/**
 * Picks and installs the default backend: WebGPU through Dawn when an adapter exists, otherwise the
 * CPU reference backend with a warning (never silently), or an error when WebGPU is required.
 *
 * @example
 * ```ts
 * import { initBackend } from '@peft/core/node';
 * const backend = await initBackend();
 * console.log(backend.description);
 * ```
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<Backend> {
  const requireGpu = opts.requireWebGPU ?? process.env.PEFT_REQUIRE_WEBGPU === '1';
  if ((opts.prefer ?? 'webgpu') === 'cpu') {
    const cpu = createCpuBackend();
    setBackend(cpu);
    return cpu;
  }
  try {
    const backend = await createWebGPUBackend({ ...opts, gpu: nodeGPU() });
    setBackend(backend);
    return backend;
  } catch (e) {
    if (requireGpu) {
      throw new DeviceError('BACKEND', `initBackend: WebGPU is required (PEFT_REQUIRE_WEBGPU=1) but unavailable: ${(e as Error).message}`, { cause: e });
    }
    (opts.onWarning ?? console.warn)(`@peft/core: no usable WebGPU adapter (${(e as Error).message}); falling back to the CPU backend, which is much slower`);
    const cpu = createCpuBackend();
    setBackend(cpu);
    return cpu;
  }
}
export * from './io/safetensors-file.js';
export { writeFileAtomic, writeFilesAtomic, writeAll, BufferedWriter } from './io/atomic-write.js';
export { directorySource } from './io/directory-source.js';
