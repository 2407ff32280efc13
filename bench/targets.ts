/** Opens the backends a run measures: the CPU reference always, WebGPU through Dawn when it works. */
import { cpus } from 'node:os';
import { createCpuBackend } from '../packages/core/src/index.js';
import { initBackend, releaseNodeGPU } from '../packages/core/src/node.js';
import type { BenchTarget } from './harness.js';

/** The backends that opened, and why the others did not. */
export interface Targets {
  readonly available: BenchTarget[];
  readonly unavailable: { name: string; reason: string }[];
  close(): void;
}

function rootCause(e: unknown): string {
  let err: unknown = e;
  while (err instanceof Error && err.cause instanceof Error) err = err.cause;
  return err instanceof Error ? err.message : String(err);
}

/** Opens the backends named in `wanted` (`cpu`, `webgpu`). */
export async function openTargets(wanted: readonly string[]): Promise<Targets> {
  const available: BenchTarget[] = [];
  const unavailable: { name: string; reason: string }[] = [];
  if (wanted.includes('webgpu')) {
    try {
      const backend = await initBackend({ prefer: 'webgpu', requireWebGPU: true });
      available.push({ name: 'webgpu', adapter: backend.description, backend });
    } catch (e) {
      unavailable.push({ name: 'webgpu', reason: rootCause(e) });
    }
  }
  if (wanted.includes('cpu')) {
    const cpu = createCpuBackend();
    available.push({ name: 'cpu', adapter: cpus()[0]?.model.trim() ?? 'unknown CPU', backend: cpu });
  }
  return {
    available,
    unavailable,
    close() {
      for (const t of available) t.backend.destroy();
      releaseNodeGPU();
    },
  };
}
