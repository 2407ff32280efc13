import type { Backend } from '../backend-interface.js';
import type { DType } from '../dtype.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { full } from './creation.js';

/** Distinct constants kept per backend; past this, scalars are filled afresh each time. */
const MAX_CONSTANTS = 4096;

const byBackend = new WeakMap<Backend, Map<string, Tensor>>();

/**
 * A 0-d tensor holding `value`, as a new view of a constant made once per backend and dtype: the
 * scalar operands of elementwise ops (`mul(x, 0.5)`) then cost no fill on the device. The view is the
 * caller's to own or dispose; the shared constant underneath lives as long as the backend.
 *
 * @internal
 * @example
 * ```ts
 * const half = scalarConstant(0.5, 'f32', backend); // a view; dispose it like any tensor
 * ```
 */
export function scalarConstant(value: number, dtype: DType, backend: Backend): Tensor {
  let constants = byBackend.get(backend);
  if (!constants) byBackend.set(backend, (constants = new Map()));
  const key = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`;
  let master = constants.get(key);
  if (master === undefined || master.isDisposed) {
    if (master === undefined && constants.size >= MAX_CONSTANTS) return full([], value, { dtype, backend });
    master = keep(full([], value, { dtype, backend }));
    constants.set(key, master);
  }
  return master.detach();
}

/**
 * Device buffers held by the shared scalar constants of a backend. Leak checks subtract this from
 * `backend.memory().liveBuffers`, since constants made during a check outlive it by design.
 *
 * @internal
 * @example
 * ```ts
 * const live = backend.memory().liveBuffers - scalarConstantBuffers(backend);
 * ```
 */
export function scalarConstantBuffers(backend: Backend): number {
  let n = 0;
  for (const t of byBackend.get(backend)?.values() ?? []) if (!t.isDisposed) n++;
  return n;
}
