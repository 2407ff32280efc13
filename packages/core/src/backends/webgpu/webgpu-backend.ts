import type { Backend } from '../../backend.js';
import { DeviceError } from '../../errors.js';

/**
 * Options for {@link createWebGPUBackend}.
 *
 * @example
 * ```ts
 * const opts: WebGPUBackendOptions = { gpu: navigator.gpu };
 * ```
 */
export interface WebGPUBackendOptions {
  /** The `GPU` entry point: `navigator.gpu` in browsers, `nodeGPU()` from `@peft/core/node` in Node. */
  gpu?: GPU;
  /** Adapter preference. */
  powerPreference?: GPUPowerPreference;
}

/**
 * Creates the WebGPU backend (placeholder until the backend lands).
 *
 * @example
 * ```ts
 * const gpu = await createWebGPUBackend({ gpu: navigator.gpu });
 * ```
 */
export async function createWebGPUBackend(_opts?: WebGPUBackendOptions): Promise<Backend> {
  throw new DeviceError('BACKEND', 'webgpu: backend not implemented yet');
}
