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

let webgpuSmall: Promise<Backend | null> | null = null;

/**
 * Bytes one kernel binding may span on {@link testWebGPUSmallBindings}' backend: small enough that most
 * test tensors above a few hundred elements are cut into pieces.
 */
export const SMALL_BINDING_BYTES = 4096;

/**
 * A second WebGPU backend whose kernels bind at most {@link SMALL_BINDING_BYTES} per operand, so the
 * ordinary op tests also run on tensors stored past the binding limit (as a 150k-vocabulary embedding
 * is on a 128 MiB device); null where no adapter exists (an error with `PEFT_REQUIRE_WEBGPU=1`).
 *
 * @example
 * ```ts
 * const small = await testWebGPUSmallBindings();
 * ```
 */
export function testWebGPUSmallBindings(): Promise<Backend | null> {
  webgpuSmall ??= testWebGPU().then((gpu) => (gpu ? createWebGPUBackend({ gpu: nodeGPU(), maxBindingBytes: SMALL_BINDING_BYTES }) : null));
  return webgpuSmall;
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

/**
 * The backends of core's op suite (ops, autograd, optimizers): {@link testBackends}, then WebGPU
 * again with a binding limit of {@link SMALL_BINDING_BYTES}, so every op also runs on tensors cut
 * into pieces. `pieces` marks that last one.
 *
 * @example
 * ```ts
 * describe.each(await testOpBackends())('$name', ({ backend }) => { ... });
 * ```
 */
export async function testOpBackends(): Promise<{ name: string; backend: Backend; pieces?: true }[]> {
  const list: { name: string; backend: Backend; pieces?: true }[] = await testBackends();
  const small = await testWebGPUSmallBindings();
  if (small) list.push({ name: `webgpu (${SMALL_BINDING_BYTES}-byte bindings)`, backend: small, pieces: true });
  return list;
}
