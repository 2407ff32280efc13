import type { DType } from '../../dtype.js';

/**
 * The dtype an adapter's weights take beside a base weight of `base`: f32 whenever the base is a
 * float, since 16-bit base weights (a checkpoint's bf16 or f16) stay frozen in their dtype while
 * what trains keeps f32 precision, as PEFT's `autocast_adapter_dtype` does.
 *
 * @example
 * ```ts
 * const make = { backend: w.backend, dtype: adapterDType(w.dtype), generator: ctx.generator };
 * adapterDType('bf16'); // 'f32'
 * ```
 */
export function adapterDType(base: DType): DType {
  return base === 'bf16' || base === 'f16' ? 'f32' : base;
}
