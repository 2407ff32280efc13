import { ArgumentError } from '../../errors.js';
import { add } from '../../ops/elementwise.js';
import type { Tensor } from '../../tensor.js';
import type { AdapterTrainingHooks } from './training-hooks.js';

/**
 * The training hooks of a PeftModel's adapters, by adapter name: adds the regularisers of the
 * adapters that train to a loss, runs their after-step work, and gathers their state for checkpoints
 * (keys `<adapter>.<key>`).
 *
 * @example
 * ```ts
 * const set = new TrainingHookSet();
 * set.set('default', hooks);
 * const loss = set.addRegularizers(out.loss, ['default'], { training: true });
 * ```
 */
export class TrainingHookSet {
  private readonly hooks = new Map<string, AdapterTrainingHooks>();

  /** Registers (or with undefined, removes) the hooks of adapter `name`. @example `set.set('a', hooks)` */
  set(name: string, hooks: AdapterTrainingHooks | undefined): void {
    this.delete(name);
    if (hooks) this.hooks.set(name, hooks);
  }

  /** Removes adapter `name`'s hooks, freeing their state. @example `set.delete('a')` */
  delete(name: string): void {
    this.hooks.get(name)?.dispose?.();
    this.hooks.delete(name);
  }

  /** Whether any of `names` has hooks. @example `set.has(['default'])` */
  has(names: readonly string[]): boolean {
    return names.some((n) => this.hooks.has(n));
  }

  /** `loss` plus every regulariser of the adapters in `names`. @example `set.addRegularizers(loss, ['default'], { training: true })` */
  addRegularizers(loss: Tensor, names: readonly string[], mode: { readonly training: boolean }): Tensor {
    let total = loss;
    for (const n of names) {
      const term = this.hooks.get(n)?.regularizer?.(mode);
      if (term) total = add(total, term);
    }
    return total;
  }

  /** Runs the after-step work of the adapters in `names`, in order. @example `await set.afterOptimizerStep(3, ['default'])` */
  async afterOptimizerStep(step: number, names: readonly string[]): Promise<void> {
    for (const n of names) await this.hooks.get(n)?.afterOptimizerStep?.(step);
  }

  /** Every hook's state, keyed `<adapter>.<key>`. @example `set.stateDict().keys()` */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [n, h] of this.hooks) for (const [k, t] of h.stateDict?.() ?? []) out.set(`${n}.${k}`, t);
    return out;
  }

  /** Restores state written by {@link TrainingHookSet.stateDict}; a key of no adapter is an error. @example `set.loadStateDict(saved)` */
  loadStateDict(state: ReadonlyMap<string, Tensor>): void {
    const byAdapter = new Map<string, Map<string, Tensor>>();
    for (const [key, t] of state) {
      const dot = key.indexOf('.');
      const name = key.slice(0, dot);
      const hooks = this.hooks.get(name);
      if (dot <= 0 || !hooks?.loadStateDict) throw new ArgumentError(`loadTrainingState: state "${key}" belongs to no adapter with training state (adapters with hooks: ${[...this.hooks.keys()].join(', ') || 'none'})`);
      let m = byAdapter.get(name);
      if (!m) byAdapter.set(name, (m = new Map()));
      m.set(key.slice(dot + 1), t);
    }
    for (const [name, m] of byAdapter) this.hooks.get(name)!.loadStateDict!(m);
  }
}
