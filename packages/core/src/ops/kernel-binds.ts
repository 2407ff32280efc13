import type { Backend } from '../backend-interface.js';
import type { Tensor } from '../tensor.js';

/**
 * Whether a registered fused kernel can take `tensors` on `backend` in one binding each (see
 * `Backend.binds`); where not, the op's composite form runs on primitives that cut large tensors.
 *
 * @example
 * ```ts
 * if (kernel && kernelBinds(backend, [x])) return fused(x);
 * ```
 * @internal
 */
export function kernelBinds(backend: Backend, tensors: readonly (Tensor | null | undefined)[]): boolean {
  // fused kernels read f32 words: a 16-bit operand (a frozen norm weight, say) takes the composite path
  if (tensors.some((t) => t && (t.dtype === 'bf16' || t.dtype === 'f16'))) return false;
  if (!backend.binds) return true;
  return backend.binds(tensors.filter((t): t is Tensor => !!t).map((t) => t.view('kernel')));
}
