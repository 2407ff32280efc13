import type { Backend } from '../backend-interface.js';
import type { DType } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import type { Generator } from '../random.js';

/**
 * Options every built-in layer takes for creating its parameters.
 *
 * @example
 * ```ts
 * new Linear(768, 768, { generator: new Generator(0), backend: gpu });
 * new Conv1D(2304, 768, { skipInit: true }); // weights come from a checkpoint next
 * ```
 */
export interface LayerOptions {
  /** Element type of the parameters (default f32). */
  dtype?: DType;
  /** Backend to allocate on (default: the current backend). */
  backend?: Backend;
  /** Source of randomness for the initialisation (default: the global generator). */
  generator?: Generator;
  /** Fill parameters with zeros (ones for norm weights) instead of drawing random values: for layers whose weights are loaded right away. */
  skipInit?: boolean;
}

/** Checks a layer size argument. @internal @example `checkSize('Linear', 'inFeatures', 4)` */
export function checkSize(layer: string, field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new ArgumentError(`${layer}: expected ${field} to be a non-negative integer, got ${value}`);
  }
}
