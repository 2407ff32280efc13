import type { View } from '../../../backend-interface.js';
import { type DType, resultDType } from '../../../dtype.js';

/**
 * The dtype of `a @ b`: the operands' own when they share one (bf16 computes as f32), else f32 (a 16-bit
 * weight beside f32 activations is read widened).
 *
 * @example
 * ```ts
 * matmulOutDType(activations, bf16Weight); // 'f32'
 * ```
 */
export function matmulOutDType(a: View, b: View): DType {
  return resultDType([a.dtype, b.dtype]) ?? a.dtype;
}
