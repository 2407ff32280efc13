import type { Backend } from '../backend-interface.js';
import { createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { createWebGPUBackend } from '../backends/webgpu/webgpu-backend.js';
import { nodeGPU } from '../node.js';

let webgpu: Promise<Backend | null> | null = null;

/**
 * The WebGPU backend for tests (one per test worker), or null where no adapter exists. With
 * `PEFT_REQUIRE_WEBGPU=1` (as CI sets) a missing adapter is an error, never a skip.
 *
 * @example
 * ```ts
 * const gpu = await testWebGPU();
 * ```
 */
export function testWebGPU(): Promise<Backend | null> {
  webgpu ??= createWebGPUBackend({ gpu: nodeGPU() }).catch((e: Error) => {
    if (process.env.PEFT_REQUIRE_WEBGPU === '1') {
      throw new Error(`PEFT_REQUIRE_WEBGPU=1 but no WebGPU backend could be created: ${e.message}`);
    }
    console.warn(`[tests] WebGPU unavailable (${e.message}); WebGPU cases will not run`);
    return null;
  });
  return webgpu;
}

/**
 * The backends every op test runs on: the CPU reference first, then WebGPU when available.
 *
 * @example
 * ```ts
 * const backends = await testBackends();
 * describe.each(backends)('$name', ({ backend }) => { ... });
 * ```
 */
export async function testBackends(): Promise<{ name: string; backend: Backend }[]> {
  const list: { name: string; backend: Backend }[] = [{ name: 'cpu', backend: createCpuBackend() }];
  const gpu = await testWebGPU();
  if (gpu) list.push({ name: 'webgpu', backend: gpu });
  return list;
}
