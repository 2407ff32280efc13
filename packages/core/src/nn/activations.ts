import { gelu, silu } from '../ops/activation.js';
import { relu, sigmoid, tanh } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * GELU as a module: `'none'` is the exact erf form (BERT), `'tanh'` the approximation (GPT-2's
 * `gelu_new`).
 *
 * @example
 * ```ts
 * const act = new GELU({ approximate: 'tanh' });
 * ```
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(opts?: { approximate?: 'none' | 'tanh' }) {
    super();
    this.approximate = opts?.approximate ?? 'none';
  }
  /** Applies GELU elementwise. @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** max(x, 0) as a module. @example `new Sequential(new Linear(4, 8), new ReLU())` */
export class ReLU extends Module {
  /** Applies ReLU elementwise. @example `new ReLU().forward(x)` */
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** SiLU (swish) x·σ(x) as a module. @example `new SiLU().forward(gate)` */
export class SiLU extends Module {
  /** Applies SiLU elementwise. @example `new SiLU().forward(x)` */
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Hyperbolic tangent as a module. @example `new Tanh().forward(x)` */
export class Tanh extends Module {
  /** Applies tanh elementwise. @example `new Tanh().forward(x)` */
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Logistic sigmoid as a module. @example `new Sigmoid().forward(x)` */
export class Sigmoid extends Module {
  /** Applies the sigmoid elementwise. @example `new Sigmoid().forward(x)` */
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}
