import type { Backend } from './backend-interface.js';
import { createCpuBackend } from './backends/cpu/cpu-backend.js';

let current: Backend | null = null;

/**
 * The backend new tensors are created on. Until {@link setBackend} (or `initBackend` from
 * `@peft/core/node` / the WebGPU backend) is called, this is the CPU reference backend.
 *
 * @example
 * ```ts
 * console.log(getBackend().description);
 * ```
 */
export function getBackend(): Backend {
  if (!current) current = createCpuBackend();
  return current;
}

/**
 * Makes `backend` the default for new tensors and returns the previous default.
 *
 * @example
 * ```ts
 * const gpu = await createWebGPUBackend();
 * setBackend(gpu);
 * ```
 */
export function setBackend(backend: Backend): Backend | null {
  const prev = current;
  current = backend;
  return prev;
}

/**
 * Runs `fn` with `backend` as the default, restoring the previous default afterwards.
 *
 * @example
 * ```ts
 * const t = withBackend(cpu, () => zeros([2]));
 * ```
 */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const prev = current;
  current = backend;
  try {
    return fn();
  } finally {
    current = prev;
  }
}
