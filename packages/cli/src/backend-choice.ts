import { type Backend, createCpuBackend, getBackend, setBackend } from '@peft/core';
import { initBackend, releaseNodeGPU } from '@peft/core/node';
import type { CliIO } from './io.js';
import { UsageError } from './usage-error.js';

/** The values `--backend` accepts. @example `const b: BackendChoice = 'cpu';` */
export type BackendChoice = 'webgpu' | 'cpu';

/**
 * The `--backend` value checked (undefined: the default, WebGPU with a CPU fallback).
 *
 * @example
 * ```ts
 * parseBackendChoice('forward', values.backend); // 'cpu' | 'webgpu' | undefined
 * ```
 */
export function parseBackendChoice(command: string, raw: unknown): BackendChoice | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'webgpu' || raw === 'cpu') return raw;
  throw new UsageError(`${command}: --backend expects "webgpu" or "cpu", got "${String(raw)}"`);
}

/**
 * A backend installed as the global one for the length of a command, and how to put things back.
 *
 * @example
 * ```ts
 * const session = await openBackend(undefined, io);
 * try { … } finally { session.close(); }
 * ```
 */
export interface BackendSession {
  readonly backend: Backend;
  /** Destroys the backend, releases Dawn (so Node can exit) and restores the previous global backend. */
  close(): void;
}

/**
 * Installs the backend a command runs on. Default: WebGPU through Dawn, falling back to the CPU with
 * a note on stderr when no adapter exists; `webgpu` requires WebGPU (no fallback); `cpu` forces the
 * CPU reference backend.
 *
 * @example
 * ```ts
 * const { backend, close } = await openBackend('cpu', io);
 * ```
 */
export async function openBackend(choice: BackendChoice | undefined, io: CliIO): Promise<BackendSession> {
  const previous = getBackend();
  let backend: Backend;
  if (choice === 'cpu') {
    backend = createCpuBackend();
    setBackend(backend);
  } else {
    backend = await initBackend({
      requireWebGPU: choice === 'webgpu' ? true : undefined,
      onWarning: (message) => void io.stderr.write(`peft: note: ${message}\n`),
    });
  }
  return {
    backend,
    close() {
      if (backend.name !== 'cpu') backend.destroy();
      releaseNodeGPU();
      setBackend(previous);
    },
  };
}
