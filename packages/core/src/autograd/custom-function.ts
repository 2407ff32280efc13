import { isFloat } from '../dtype.js';
import { ArgumentError, AutogradError, ShapeError, fmtShape } from '../errors.js';
import { viewOf } from '../ops/apply.js';
import { tidy } from '../scope.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { isGradEnabled, noGrad } from './graph.js';

/**
 * The gradient of a {@link customFunction}: given the gradient of its output (`grad`, the output's
 * shape), the inputs it was called with and its output, returns one gradient per input, each of that
 * input's shape, or null where the input needs none (check `inputs[k].requiresGrad` to skip work).
 *
 * It runs with recording off, inside a scope that frees its temporaries; it may recompute whatever
 * the forward made instead of keeping it (the point of a custom function).
 *
 * @example
 * ```ts
 * // y = a·b elementwise: dy/da = b, dy/db = a
 * const mulBackward: CustomBackward = (g, [a, b]) => [mul(g, b), mul(g, a)];
 * ```
 */
export type CustomBackward = (grad: Tensor, inputs: readonly Tensor[], output: Tensor) => readonly (Tensor | null)[];

/**
 * What a `custom` graph node records: the function's name (for messages) and its backward.
 *
 * @example
 * ```ts
 * const attrs: CustomAttrs = { name: 'hada_weight', backward: (g, [a]) => [g] };
 * ```
 */
export interface CustomAttrs {
  readonly name: string;
  readonly backward: CustomBackward;
}

/** A fresh tensor object sharing `t`'s memory (no copy), recorded by nobody: the caller sets its node. */
function alias(t: Tensor): Tensor {
  return noGrad(() => viewOf('contiguous', t, {}, t.shape, t.strides, t.offset));
}

/**
 * Runs `forward` on `inputs` as **one** node of the gradient graph whose gradient is computed by the
 * given `backward` (PyTorch's `torch.autograd.Function`). Use it when the composed ops would keep
 * large intermediates alive until backward, or when a better gradient formula exists:
 *
 * - `forward` runs with recording off, inside a scope: every tensor it creates except its result is
 *   freed when it returns, so nothing but the inputs (and the output) stays alive for backward;
 * - the output records the node when gradients are on and some input requires a gradient;
 * - in `backward()`, the rule calls `backward(grad, inputs, output)`; the gradients it returns are
 *   checked (one per input, shapes equal to the inputs') and added to the inputs' gradients.
 *
 * One output per call (call it twice for two). Second-order gradients are not recorded, as for every
 * other op. Constants (scales, flags) are captured by the closures; tensors the backward needs must be
 * inputs (a tensor captured by the closure may be freed before backward runs).
 *
 * @example
 * ```ts
 * // scaled product s·(a @ b) without the op-by-op graph
 * const y = customFunction(
 *   'scaled_matmul',
 *   [a, b],
 *   (a, b) => mul(matmul(a, b), s),
 *   (g, [a, b]) => [
 *     a.requiresGrad ? mul(matmul(g, transpose(b)), s) : null,
 *     b.requiresGrad ? mul(matmul(transpose(a), g), s) : null,
 *   ],
 * );
 * y.sum().backward();
 * ```
 */
export function customFunction(name: string, inputs: readonly Tensor[], forward: (...inputs: Tensor[]) => Tensor, backward: CustomBackward): Tensor {
  if (typeof name !== 'string' || name === '') throw new ArgumentError(`customFunction: expected a non-empty name, got ${JSON.stringify(name)}`);
  if (!Array.isArray(inputs) || inputs.length === 0) throw new ArgumentError(`customFunction(${name}): expected a non-empty array of input tensors`);
  inputs.forEach((x) => x.liveStorage(`customFunction(${name})`));
  const ins = [...inputs];
  const out = noGrad(() =>
    tidy(() => {
      const y = forward(...ins);
      if (typeof y !== 'object' || y === null || !(y as { __isTensor?: boolean }).__isTensor) {
        throw new ArgumentError(`customFunction(${name}): forward must return a tensor, got ${y === null ? 'null' : typeof y}`);
      }
      // always a new tensor object, so that the node is never attached to an input or a tensor held elsewhere
      return alias(y);
    }),
  );
  if (isGradEnabled() && isFloat(out.dtype) && ins.some((x) => x.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op: 'custom', inputs: ins, attrs: { name, backward } };
  }
  return out;
}

/**
 * The gradient rule of `custom` nodes: calls the recorded backward and checks what it returns. A
 * returned tensor that is one of the inputs, the output or the incoming gradient is aliased, so that
 * freeing the gradient later never frees a tensor the graph or the caller still holds.
 *
 * @internal
 * @example
 * ```ts
 * const grads = customGradRule(g, node.inputs, node.attrs as CustomAttrs, out);
 * ```
 */
export function customGradRule(g: Tensor, inputs: readonly Tensor[], { name, backward }: CustomAttrs, out: Tensor): (Tensor | null)[] {
  const grads = backward(g, inputs, out);
  if (!Array.isArray(grads) || grads.length !== inputs.length) {
    throw new AutogradError(
      `customFunction(${name}): backward must return one gradient (or null) per input, expected ${inputs.length}, got ${Array.isArray(grads) ? grads.length : typeof grads}`,
    );
  }
  return grads.map((gi: Tensor | null, k) => {
    if (gi === null || gi === undefined) return null;
    if (!shapesEqual(gi.shape, inputs[k].shape)) {
      throw new ShapeError(`customFunction(${name}): backward returned a gradient of shape ${fmtShape(gi.shape)} for input ${k} of shape ${fmtShape(inputs[k].shape)}`);
    }
    return gi === g || gi === out || inputs.includes(gi) ? alias(gi) : gi;
  });
}
