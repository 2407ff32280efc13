import { ConfigError } from '../errors.js';
import { add, mul, neg, sub } from '../ops/elementwise.js';
import type { Tensor } from '../tensor.js';
import type { Parameter } from '../nn/parameter.js';
import { Variable } from '../nn/variable.js';
import { type GroupOptions, Optimizer, type ParamGroup, type ParamGroupInput, type ParamState, definedOnly } from './optimizer.js';

/**
 * Hyperparameters of {@link SGD} (per group).
 *
 * @example
 * ```ts
 * const h: Partial<SGDOptions> = { lr: 0.1, momentum: 0.9, nesterov: true };
 * ```
 */
export interface SGDOptions extends GroupOptions {
  /** Learning rate (default 1e-3, as PyTorch). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening of the momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximise the objective instead (default false). */
  maximize: boolean;
}

const DEFAULTS: SGDOptions = { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };

/**
 * Stochastic gradient descent with PyTorch's semantics. For each parameter with gradient g:
 * ```
 * d ← g + wd·p
 * b ← d (first step), else b ← μ·b + (1 − dampening)·d     (with momentum μ ≠ 0)
 * d ← d + μ·b (nesterov) or d ← b
 * p ← p − lr·d
 * ```
 * State per parameter: `momentumBuffer` (with momentum).
 *
 * @example
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.step();
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Iterable<Parameter> | Iterable<ParamGroupInput<SGDOptions>>, opts?: Partial<SGDOptions>) {
    super(params, { ...DEFAULTS, ...definedOnly(opts) });
  }

  protected override validate(h: SGDOptions): void {
    if (!(h.lr >= 0)) throw new ConfigError(`SGD: lr must be >= 0, got ${h.lr}`);
    if (!(h.momentum >= 0)) throw new ConfigError(`SGD: momentum must be >= 0, got ${h.momentum}`);
    if (!Number.isFinite(h.dampening)) throw new ConfigError(`SGD: dampening must be a finite number, got ${h.dampening}`);
    if (!(h.weightDecay >= 0)) throw new ConfigError(`SGD: weightDecay must be >= 0, got ${h.weightDecay}`);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
      throw new ConfigError(`SGD: nesterov needs momentum > 0 and dampening 0, got momentum ${h.momentum} and dampening ${h.dampening}`);
    }
  }

  protected override update(p: Parameter, g: Tensor, group: ParamGroup<SGDOptions>, st: ParamState): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = group;
    const s = (v: number): Tensor => this.scalar(v, p);
    let d = group.maximize ? neg(g) : g;
    if (weightDecay !== 0) d = add(d, mul(p, s(weightDecay)));
    if (momentum !== 0) {
      let buf = st.momentumBuffer as Variable | undefined;
      if (!buf) {
        buf = new Variable(d.detach()); // shares d's memory: values never change in place
        st.momentumBuffer = buf;
      } else {
        buf.assign(add(mul(buf, s(momentum)), mul(d, s(1 - dampening))));
      }
      d = nesterov ? add(d, mul(buf, s(momentum))) : buf;
    }
    p.assign(sub(p, mul(d, s(lr))));
  }
}
