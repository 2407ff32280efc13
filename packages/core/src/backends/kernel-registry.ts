import type { Backend } from '../backend-interface.js';
import { ArgumentError, PeftError } from '../errors.js';

/**
 * One implementation of a kernel for one backend: it receives the backend it runs on (the concrete
 * class, e.g. `CpuBackend` or `WebGPUBackend`, whose kernel-author helpers it may use) and the
 * kernel's arguments, and returns new buffers of that backend.
 *
 * @example
 * ```ts
 * const cpuScale: KernelImpl<[View, number], BufferHandle, CpuBackend> = (cpu, x, s) => cpu.adopt(myCpuScale(x, s, cpu.wide));
 * ```
 */
export type KernelImpl<Args extends readonly unknown[], Out, B extends Backend = Backend> = (backend: B, ...args: Args) => Out;

/**
 * A typed name for a kernel (a fused or package-owned op) and its implementations per backend name.
 * Made by {@link defineKernel}; implementations are added with {@link registerKernel} and looked up
 * with {@link findKernel} / {@link runKernel} in O(1) (one `Map` lookup by `backend.name`).
 *
 * @example
 * ```ts
 * const SCALE: KernelKey<[View, number], BufferHandle> = defineKernel('myScale');
 * ```
 */
export interface KernelKey<Args extends readonly unknown[], Out> {
  /** The kernel's name, for error messages. */
  readonly name: string;
  /** Implementations by backend name. Use {@link registerKernel} to add one. @internal */
  readonly impls: Map<string, KernelImpl<Args, Out, never>>;
}

/**
 * Defines a kernel: a typed key that ops look implementations up by. `builtIns` registers
 * implementations right away, by backend name (`'cpu'`, `'webgpu'` or a third-party backend's name),
 * so that whoever imports the key also gets them; more can be added later with {@link registerKernel}.
 * The implementation registered under a name receives the backend whose `name` it is.
 *
 * @example
 * ```ts
 * const SCALE = defineKernel<[View, number], BufferHandle>('myScale', {
 *   cpu: (cpu: CpuBackend, x, s) => cpu.adopt(cpuScale(x, s, cpu.wide)),
 *   webgpu: (gpu: WebGPUBackend, x, s) => gpu.kernelContext.map('myScale', 'f32', [x], size(x), () => scaleKernel(x, s)),
 * });
 * ```
 */
export function defineKernel<Args extends readonly unknown[], Out>(
  name: string,
  builtIns: Readonly<Record<string, KernelImpl<Args, Out, never>>> = {},
): KernelKey<Args, Out> {
  if (typeof name !== 'string' || name === '') throw new ArgumentError(`defineKernel: expected a non-empty name, got ${JSON.stringify(name)}`);
  return { name, impls: new Map(Object.entries(builtIns)) };
}

/**
 * Registers (or replaces) the implementation of `key` for the backend named `backendName`, and returns
 * a function that restores what was registered before. A package brings its own fused op this way,
 * or a third-party backend its version of a core kernel.
 *
 * @example
 * ```ts
 * const undo = registerKernel(SCALE, 'webgpu', (gpu: WebGPUBackend, x, s) => fasterScale(gpu, x, s));
 * undo(); // back to the previous implementation
 * ```
 */
export function registerKernel<Args extends readonly unknown[], Out, B extends Backend>(
  key: KernelKey<Args, Out>,
  backendName: string,
  impl: KernelImpl<Args, Out, B>,
): () => void {
  if (typeof impl !== 'function') throw new ArgumentError(`registerKernel(${key.name}, ${backendName}): expected a function, got ${typeof impl}`);
  const before = key.impls.get(backendName);
  key.impls.set(backendName, impl);
  return () => {
    if (key.impls.get(backendName) !== impl) return;
    if (before) key.impls.set(backendName, before);
    else key.impls.delete(backendName);
  };
}

/**
 * The implementation of `key` for `backend`, or undefined when that backend has none (the caller then
 * falls back to a composite of primitive kernels). Call it as `impl(backend, ...args)`.
 *
 * @example
 * ```ts
 * const impl = findKernel(backend, SCALE);
 * const out = impl ? impl(backend, x.view('scale'), 2) : undefined;
 * ```
 */
export function findKernel<Args extends readonly unknown[], Out>(backend: Backend, key: KernelKey<Args, Out>): KernelImpl<Args, Out> | undefined {
  return key.impls.get(backend.name) as KernelImpl<Args, Out> | undefined;
}

/**
 * Runs `key` on `backend`; throws a `BACKEND` error naming the backends that have it when `backend`
 * has no implementation.
 *
 * @example
 * ```ts
 * const out = runKernel(backend, SCALE, x.view('scale'), 2);
 * ```
 */
export function runKernel<Args extends readonly unknown[], Out>(backend: Backend, key: KernelKey<Args, Out>, ...args: Args): Out {
  const impl = key.impls.get(backend.name) as KernelImpl<Args, Out> | undefined;
  if (!impl) {
    const have = [...key.impls.keys()];
    throw new PeftError(
      'BACKEND',
      `${key.name}: the ${backend.name} backend has no implementation of this kernel (registered for: ${have.length ? have.join(', ') : 'none'}); register one with registerKernel from @peft/core/backend`,
    );
  }
  return impl(backend, ...args);
}
