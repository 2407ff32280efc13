import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * Returns its input unchanged (a placeholder where a layer is switched off, such as dropout with
 * p = 0 in an adapter).
 *
 * @example
 * ```ts
 * const drop = p > 0 ? new Dropout(p) : new Identity();
 * ```
 */
export class Identity extends Module {
  /** Returns `x` itself. @example `new Identity().forward(x) === x` */
  forward(x: Tensor): Tensor {
    return x;
  }
}
