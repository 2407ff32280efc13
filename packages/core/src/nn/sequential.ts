import type { Tensor } from '../tensor.js';
import type { UnaryModule } from './module.js';
import { ModuleList } from './module-list.js';

/**
 * Modules applied one after another; children are named `0`, `1`, … as in PyTorch.
 *
 * @example
 * ```ts
 * const mlp = new Sequential(new Linear(4, 16), new GELU(), new Linear(16, 2));
 * const y = mlp.forward(x);
 * ```
 */
export class Sequential extends ModuleList<UnaryModule> {
  constructor(...modules: UnaryModule[]) {
    super(modules);
  }

  /** Feeds `x` through every module in order. @example `mlp.forward(x)` */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this) y = m.forward(y);
    return y;
  }
}
