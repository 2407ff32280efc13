import { isFloat } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { keep } from '../scope.js';
import { shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * A persistent tensor whose values can be replaced: the state a module or an optimizer holds across
 * steps (parameters, registered buffers, moment estimates).
 *
 * - It is never freed by a `tidy` scope (it is kept on creation); it lives until `dispose()`.
 * - The constructor takes over `value`: the variable shares `value`'s memory and `value` itself is
 *   disposed (pass `value.detach()` to keep using your own handle).
 * - {@link Variable.assign} is the only mutation in the library. It points the variable at new
 *   memory of the same shape, dtype and backend; the old memory is released when nothing else holds
 *   it. Views and detached handles taken before `assign` keep the old values, since tensor values
 *   are otherwise immutable. A recorded graph refers to the variable itself, so assign only after
 *   `backward()` has run (as optimizers do), never between a forward and its backward.
 *
 * @example
 * ```ts
 * const v = new Variable(zeros([3]));
 * const before = v.detach();
 * tidy(() => { v.assign(v.add(1)); }); // v is now [1, 1, 1]; `before` still reads [0, 0, 0]
 * ```
 */
export class Variable extends Tensor {
  constructor(value: Tensor, opts?: { name?: string }) {
    const s = value.liveStorage('Variable');
    s.retain();
    super(s, value.shape, value.dtype, value.strides, value.offset);
    value.dispose();
    keep(this);
    if (opts?.name !== undefined) this.name = opts.name;
  }

  /**
   * Replaces the values with those of `value` (same shape, dtype and backend), without a copy: the
   * variable shares `value`'s memory, and `value` stays a valid handle of its own (a `tidy` around
   * the update frees it, not the memory). With `retype`, the variable takes `value`'s float dtype
   * instead (a checkpoint's frozen weight kept in bf16, a trainable copy widened to f32). Returns this
   * variable.
   *
   * @example
   * ```ts
   * noGrad(() => tidy(() => { w.assign(w.sub(w.grad!.mul(0.1))); }));
   * frozen.assign(bf16Weight, { retype: true });
   * ```
   */
  assign(value: Tensor, opts?: { retype?: boolean }): this {
    const op = `assign${this.name ? ` (${this.name})` : ''}`;
    const own = this.liveStorage(op);
    if (!shapesEqual(value.shape, this.shape)) {
      throw new ShapeError(`${op}: expected a value of shape ${fmtShape(this.shape)}, got ${fmtShape(value.shape)}`);
    }
    const retype = opts?.retype === true && isFloat(value.dtype) && isFloat(this.dtype);
    if (value.dtype !== this.dtype && !retype) throw new DTypeError(`${op}: expected a value of dtype ${this.dtype}, got ${value.dtype}`);
    const next = value.liveStorage(op);
    if (next.backend !== own.backend) {
      throw new ArgumentError(`${op}: expected a value on the ${own.backend.name} backend, got one on ${next.backend.name}`);
    }
    next.retain();
    own.release();
    this.storage = next;
    const self = this as unknown as { strides: readonly number[]; offset: number; dtype: Tensor['dtype'] };
    self.dtype = value.dtype;
    self.strides = Object.freeze([...value.strides]);
    self.offset = value.offset;
    return this;
  }
}
