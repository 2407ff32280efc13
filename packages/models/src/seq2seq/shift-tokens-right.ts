import { ShapeError, type Tensor, concat, full, where } from '@peft/core';
import { composite, eq, narrow } from '@peft/core/plugin';

/**
 * Decoder inputs from labels, as transformers' `_shift_right`: the start token first, the labels
 * without their last position after it, and -100 (ignored label) replaced by the pad id.
 *
 * @example
 * ```ts
 * shiftTokensRight(labels, 0, 0); // [[0, l0, l1, …], …]
 * ```
 */
export function shiftTokensRight(labels: Tensor, decoderStartTokenId: number, padTokenId: number): Tensor {
  if (labels.rank !== 2) throw new ShapeError(`shiftTokensRight: expected labels [batch, seq], got [${labels.shape.join(', ')}]`);
  const [b, s] = labels.shape;
  return composite(() => {
    const start = full([b, 1], decoderStartTokenId, { dtype: labels.dtype, backend: labels.backend });
    const shifted = s > 1 ? concat([start, narrow(labels, 1, 0, s - 1).contiguous()], 1) : start;
    return where(eq(shifted, -100), full([b, s], padTokenId, { dtype: labels.dtype, backend: labels.backend }), shifted);
  });
}
