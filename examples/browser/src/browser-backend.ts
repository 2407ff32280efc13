import { type Backend, createCpuBackend, createWebGPUBackend, setBackend } from '@peft/core';

/**
 * The backend for the page: WebGPU through `navigator.gpu` when the browser offers an adapter,
 * otherwise (or with `preferCpu`) the CPU reference backend, with the reason why.
 *
 * @example
 * ```ts
 * const { backend, note } = await openBrowserBackend(false);
 * ```
 */
export async function openBrowserBackend(preferCpu: boolean): Promise<{ backend: Backend; note?: string }> {
  let note: string | undefined;
  if (preferCpu) note = 'the CPU backend was asked for (?cpu=1)';
  else if (!('gpu' in navigator)) note = 'this browser has no WebGPU (navigator.gpu is missing); training on the CPU, which is much slower';
  else {
    try {
      const backend = await createWebGPUBackend({ gpu: navigator.gpu });
      setBackend(backend);
      return { backend };
    } catch (e) {
      note = `WebGPU could not start (${(e as Error).message}); training on the CPU, which is much slower`;
    }
  }
  const backend = createCpuBackend();
  setBackend(backend);
  return { backend, note };
}
