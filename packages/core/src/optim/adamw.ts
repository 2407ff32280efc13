import { findKernel } from '../backends/kernel-registry.js';
import { ArgumentError, ConfigError } from '../errors.js';
import { ADAMW_KERNEL } from '../kernels/adamw-kernel.js';
import { zerosLike } from '../ops/creation.js';
import { plain } from '../ops/apply.js';
import { add, contiguous, div, maximum, mul, neg, sqrt, sub } from '../ops/elementwise.js';
import { Tensor } from '../tensor.js';
import type { Parameter } from '../nn/parameter.js';
import { Variable } from '../nn/variable.js';
import { type GroupOptions, Optimizer, type OptimizerStateDict, type ParamGroup, type ParamGroupInput, type ParamState, definedOnly } from './optimizer.js';
import { kernelBinds } from '../ops/kernel-binds.js';

/**
 * Hyperparameters of {@link AdamW} (per group).
 *
 * @example
 * ```ts
 * const h: Partial<AdamWOptions> = { lr: 3e-4, weightDecay: 0.1, betas: [0.9, 0.95] };
 * ```
 */
export interface AdamWOptions extends GroupOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator after the square root (default 1e-8). */
  eps: number;
  /** Decoupled weight decay (default 1e-2). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximise the objective instead (default false). */
  maximize: boolean;
}

const DEFAULTS: AdamWOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false };

/**
 * AdamW with PyTorch's semantics. For each parameter with gradient g at step t:
 * ```
 * p ← p · (1 − lr·wd)                          (decoupled weight decay, first)
 * m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
 * v̂ ← max(v̂, v) with amsgrad, else v
 * p ← p − (lr / (1 − β1ᵗ)) · m / (√v̂ / √(1 − β2ᵗ) + eps)
 * ```
 * The operations run in the order of `torch.optim.AdamW` (the version the golden fixtures were made
 * with), so float32 results round the same way. State per parameter: `step`, `expAvg`, `expAvgSq`
 * (and `maxExpAvgSq` with amsgrad).
 *
 * @example
 * ```ts
 * const opt = new AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.01 });
 * opt.step();
 * ```
 */
export class AdamW extends Optimizer<AdamWOptions> {
  constructor(params: Iterable<Parameter> | Iterable<ParamGroupInput<AdamWOptions>>, opts?: Partial<AdamWOptions>) {
    super(params, { ...DEFAULTS, ...definedOnly(opts) });
  }

  /**
   * Loads a saved state (see {@link Optimizer.loadStateDict}); a parameter's state that has taken
   * steps must hold both moment tensors and an integer step count.
   *
   * @example
   * ```ts
   * opt.loadStateDict(saved); // ArgumentError when a state has a step but no expAvg
   * ```
   */
  override loadStateDict(sd: OptimizerStateDict<AdamWOptions>): void {
    for (const [index, st] of sd.state) {
      if (st.step === undefined) continue;
      if (typeof st.step !== 'number' || !Number.isInteger(st.step) || st.step < 0) {
        throw new ArgumentError(`AdamW.loadStateDict: state ${index}.step should be a non-negative integer, got ${String(st.step)}`);
      }
      for (const key of ['expAvg', 'expAvgSq']) {
        if (!(st[key] instanceof Tensor)) throw new ArgumentError(`AdamW.loadStateDict: state ${index} has taken ${st.step} steps but has no ${key} tensor`);
      }
    }
    super.loadStateDict(sd);
  }

  protected override validate(h: AdamWOptions): void {
    const at = 'AdamW';
    if (!(h.lr >= 0)) throw new ConfigError(`${at}: lr must be >= 0, got ${h.lr}`);
    if (!(h.eps >= 0)) throw new ConfigError(`${at}: eps must be >= 0, got ${h.eps}`);
    if (!(h.weightDecay >= 0)) throw new ConfigError(`${at}: weightDecay must be >= 0, got ${h.weightDecay}`);
    if (!Array.isArray(h.betas) || h.betas.length !== 2) throw new ConfigError(`${at}: betas must be a pair [beta1, beta2], got ${String(h.betas)}`);
    h.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new ConfigError(`${at}: betas[${i}] must be in [0, 1), got ${b}`);
    });
  }

  protected override update(p: Parameter, g0: Tensor, group: ParamGroup<AdamWOptions>, st: ParamState): void {
    const { lr, eps, weightDecay, amsgrad } = group;
    const [beta1, beta2] = group.betas;
    const s = (v: number): Tensor => this.scalar(v, p);
    if (st.step === undefined) {
      st.step = 0;
      st.expAvg = new Variable(zerosLike(p));
      st.expAvgSq = new Variable(zerosLike(p));
    }
    if (amsgrad && st.maxExpAvgSq === undefined) st.maxExpAvgSq = new Variable(zerosLike(p));
    const step = (st.step as number) + 1;
    st.step = step;
    const expAvg = st.expAvg as Variable;
    const expAvgSq = st.expAvgSq as Variable;
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const backend = p.backend;
    const fused = findKernel(backend, ADAMW_KERNEL);
    if (fused && !amsgrad && p.dtype === 'f32' && g0.dtype === 'f32' && kernelBinds(backend, [p, g0, expAvg, expAvgSq])) {
      // one fused kernel instead of a dozen: same arithmetic, same rounding
      const g = contiguous(g0);
      const parts = [p, g, expAvg, expAvgSq];
      if (parts.every((t) => t.isContiguous)) {
        const h = { decay: weightDecay !== 0 ? 1 - lr * weightDecay : 1, beta1, beta2, stepSize, bc2Sqrt, eps, maximize: group.maximize };
        const [pb, mb, vb] = fused(backend, p.view('AdamW'), g.view('AdamW'), expAvg.view('AdamW'), expAvgSq.view('AdamW'), h);
        expAvg.assign(plain(backend, mb, p.shape, 'f32'));
        expAvgSq.assign(plain(backend, vb, p.shape, 'f32'));
        p.assign(plain(backend, pb, p.shape, 'f32'));
        return;
      }
    }
    const g = group.maximize ? neg(g0) : g0;

    const decayed = weightDecay !== 0 ? mul(p, s(1 - lr * weightDecay)) : p;
    const m = add(mul(expAvg, s(beta1)), mul(g, s(1 - beta1)));
    const v = add(mul(expAvgSq, s(beta2)), mul(mul(g, g), s(1 - beta2)));
    expAvg.assign(m);
    expAvgSq.assign(v);
    let vHat = v;
    if (amsgrad) {
      const maxV = st.maxExpAvgSq as Variable;
      vHat = maximum(maxV, v);
      maxV.assign(vHat);
    }
    const denom = add(div(sqrt(vHat), s(bc2Sqrt)), s(eps));
    p.assign(sub(decayed, mul(div(m, denom), s(stepSize))));
  }
}
