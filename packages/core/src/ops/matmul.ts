import { ShapeError, fmtShape } from '../errors.js';
import { composite } from '../scope.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, broadcastView, requireFloat, requireSameDType, result } from './apply.js';
import { add } from './elementwise.js';
import { reshape, transpose } from './views.js';

/**
 * Matrix product with NumPy/PyTorch semantics: `[..., m, k] @ [..., k, n] -> [..., m, n]`, batch axes
 * broadcast, 1-D operands treated as a row (lhs) or column (rhs) vector and squeezed from the result.
 * Transposed operands (`w.transpose()`) reach the kernel as strided views, without copies.
 *
 * @example
 * ```ts
 * const y = matmul(x, w.transpose()); // [b, s, in] @ [in, out]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  requireFloat('matmul', a, b);
  if (a.rank === 0 || b.rank === 0) throw new ShapeError(`matmul: expected tensors with at least one axis, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.rank === 1 || b.rank === 1) {
    return composite(() => {
      const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
      const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
      const out = matmul(a2, b2);
      const shape = [...out.shape];
      if (b.rank === 1) shape.pop();
      if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
      return reshape(out, shape);
    });
  }
  const backend = backendOf('matmul', a, b);
  const dtype = requireSameDType('matmul', a, b);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (k !== k2) throw new ShapeError(`matmul: inner dimensions differ, lhs ${fmtShape(a.shape)}, rhs ${fmtShape(b.shape)}`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const av = broadcastView(a, [...batch, m, k], 'matmul');
  const bv = broadcastView(b, [...batch, k, n], 'matmul');
  return result('matmul', [a, b], {}, backend, backend.matmul(av, bv), [...batch, m, n], dtype);
}

/**
 * `x · wᵀ + b`, the affine map of `nn.Linear` (weight `[out, in]`).
 *
 * @example
 * ```ts
 * const y = linear(x, weight, bias);
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new ShapeError(`linear: expected input [..., ${weight.shape[1]}] for weight ${fmtShape(weight.shape)}, got ${fmtShape(x.shape)}`);
  }
  return composite(() => {
    const y = matmul(x, transpose(weight));
    return bias ? add(y, bias) : y;
  });
}
