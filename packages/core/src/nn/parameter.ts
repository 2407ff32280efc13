import { isFloat } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Variable } from './variable.js';

/**
 * A trainable leaf tensor held by a module: `requiresGrad` is true by default (set it to false to
 * freeze the parameter), `backward()` accumulates into its `.grad`, and optimizers update it with
 * {@link Variable.assign}. Like every {@link Variable} it survives `tidy` scopes and takes over the
 * tensor it is built from.
 *
 * @example
 * ```ts
 * const w = new Parameter(randn([4, 3], { std: 0.02 }));
 * w.requiresGrad = false; // frozen: optimizers skip it
 * ```
 */
export class Parameter extends Variable {
  /** @internal Marks parameters without an `instanceof` check across bundles. */
  readonly __isParameter = true;

  constructor(value: Tensor, opts?: { requiresGrad?: boolean; name?: string }) {
    const requiresGrad = opts?.requiresGrad ?? isFloat(value.dtype);
    if (requiresGrad && !isFloat(value.dtype)) {
      throw new ArgumentError(`Parameter: only floating-point tensors can require gradients, got ${value.dtype}`);
    }
    super(value, opts);
    this.requiresGrad = requiresGrad;
  }
}

/**
 * Whether a value is a {@link Parameter}.
 *
 * @example
 * ```ts
 * if (isParameter(t)) t.requiresGrad = false;
 * ```
 */
export function isParameter(value: unknown): value is Parameter {
  return typeof value === 'object' && value !== null && (value as { __isParameter?: boolean }).__isParameter === true;
}
