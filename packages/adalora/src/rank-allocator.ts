import { ArgumentError, type Parameter, ShapeError, type Tensor, fromArray, keep, noGrad, tidy, where, zerosLike } from '@peft/core';
import { abs, add, copyTensor, mean, mul, reshape, sub } from '@peft/core/plugin';
import type { AdaLoraConfig, RankMasks } from './config.js';
import { budgetAt } from './budget-schedule.js';
import type { SvdLinear } from './layer.js';
import { rankMaskKey, rankMaskOf } from './rank-pattern.js';

/** The parameters of one layer the allocator scores, by name. */
const TRACKED = ['lora_A', 'lora_B', 'lora_E'] as const;
type Tracked = (typeof TRACKED)[number];

/** The moving averages of one parameter. */
interface Averages {
  sensitivity: Tensor;
  uncertainty: Tensor;
}

/**
 * What a {@link RankAllocator} works on: the adapter's layers by module path, its name, its config as
 * stored now, and where a new `rank_pattern` goes.
 *
 * @example
 * ```ts
 * const opts: RankAllocatorOptions = { layers, adapterName: 'default', config: () => cfg, setRankPattern: (m) => (cfg = { ...cfg, rankPattern: m }) };
 * ```
 */
export interface RankAllocatorOptions {
  readonly layers: ReadonlyMap<string, SvdLinear>;
  readonly adapterName: string;
  config(): AdaLoraConfig;
  setRankPattern(masks: RankMasks): void;
}

/**
 * AdaLoRA's rank allocator (PEFT's `RankAllocator` with `update_and_allocate`), run after each
 * optimizer step `step` (counted from 0), while the gradients are still there:
 *
 * 1. while `step < total_step − tfinal`, each entry of every `lora_A`, `lora_B`, `lora_E` updates two
 *    moving averages of its importance `|p·∇p|`: the sensitivity `Ī ← β₁·Ī + (1−β₁)·|p·∇p|` and the
 *    uncertainty `Ū ← β₂·Ū + (1−β₂)·||p·∇p| − Ī|`;
 * 2. on the steps the budget schedule ({@link budgetAt}) says, each rank i of each module is scored
 *    `s(Eᵢ) + mean_j s(A_ij) + mean_k s(B_ki)` with `s = Ī·Ū`; the `init − budget` lowest scores over
 *    all modules set a threshold, every rank scoring at most that has its `lora_E` entry zeroed, and
 *    the kept ranks become the config's `rank_pattern`;
 * 3. at `step = total_step − tfinal` that happens a last time with the target budget, the masks are
 *    frozen in `rank_pattern` and the averages are dropped; after it, the masks are applied again
 *    after every step (training would otherwise revive masked entries).
 *
 * Scores are read back to the host on masking steps only. The averages are the allocator's state
 * ({@link RankAllocator.stateDict}), so a resumed run continues identically.
 *
 * @example
 * ```ts
 * const allocator = new RankAllocator({ layers, adapterName: 'default', config: () => cfg, setRankPattern: (m) => … });
 * opt.step();
 * const { budget } = await allocator.update(step);
 * peft.zeroGrad();
 * ```
 */
export class RankAllocator {
  /** The total rank at the start: the rows of every `lora_A`. */
  readonly initBudget: number;
  private averages = new Map<string, Averages>();
  /** The config's `rank_pattern` as 0/1 tensors, for the state (rebuilt when the pattern changes). */
  private maskCache: { source: RankMasks; tensors: Map<string, Tensor> } | undefined;
  /** Masks restored by {@link RankAllocator.loadStateDict}, written into the config on the next update. */
  private pendingMasks: Map<string, Tensor> | undefined;

  constructor(private readonly opts: RankAllocatorOptions) {
    let n = 0;
    for (const layer of opts.layers.values()) n += layer.loraA.get(opts.adapterName).shape[0];
    this.initBudget = n;
  }

  /** The total rank at the end: `target_r` times the number of modules. @example `allocator.targetBudget` */
  get targetBudget(): number {
    return this.opts.config().targetR * this.opts.layers.size;
  }

  /** The budget schedule's answer for `step`. @example `allocator.budget(40)` */
  budget(step: number): { budget: number; mask: boolean } {
    const c = this.opts.config();
    return budgetAt({ initBudget: this.initBudget, targetBudget: this.targetBudget, tinit: c.tinit, tfinal: c.tfinal, totalStep: c.totalStep!, deltaT: c.deltaT }, step);
  }

  /**
   * Does the allocator's work after optimizer step `step` (see the class notes). Returns the budget
   * of the step and the masks made on it, if any.
   *
   * @example
   * ```ts
   * const { budget, masks } = await allocator.update(step);
   * ```
   */
  async update(step: number): Promise<{ budget: number; masks?: RankMasks }> {
    await this.resolvePendingMasks();
    const c = this.opts.config();
    const last = c.totalStep! - c.tfinal;
    const { budget, mask } = this.budget(step);
    if (step < last) {
      this.updateAverages();
      if (!mask) return { budget };
    } else if (step > last) {
      if (c.rankPattern) this.applyMasks(c.rankPattern);
      return { budget };
    }
    const masks = await this.maskToBudget(budget);
    this.opts.setRankPattern(masks);
    if (step === last) this.reset();
    return { budget, masks };
  }

  /**
   * The allocator's state: the moving averages, keyed `exp_avg_ipt.<module>.<lora_A|lora_B|lora_E>`
   * and `exp_avg_unc.…`, and the config's current `rank_pattern` as 0/1 vectors keyed
   * `rank_pattern.<module>.lora_E` (a resumed run must re-apply frozen masks). The tensors are the
   * allocator's own: do not dispose them.
   *
   * @example
   * ```ts
   * [...allocator.stateDict().keys()]; // ['exp_avg_ipt.transformer.h.0.attn.c_attn.lora_A', …]
   * ```
   */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [k, a] of this.averages) {
      out.set(`exp_avg_ipt.${k}`, a.sensitivity);
      out.set(`exp_avg_unc.${k}`, a.uncertainty);
    }
    for (const [k, t] of this.pendingMasks ?? this.maskTensors()) out.set(`rank_pattern.${k}`, t);
    return out;
  }

  /**
   * Replaces the moving averages with copies of `state` (from {@link RankAllocator.stateDict}); an
   * empty state means none yet (or the masks were frozen).
   *
   * @example
   * ```ts
   * allocator.loadStateDict(saved);
   * ```
   */
  loadStateDict(state: ReadonlyMap<string, Tensor>): void {
    const next = new Map<string, Partial<Averages>>();
    const masks = new Map<string, Tensor>();
    const params = this.parameters();
    const modules = new Set([...this.opts.layers.keys()].map(rankMaskKey));
    for (const [key, t] of state) {
      const dot = key.indexOf('.');
      const kind = key.slice(0, dot);
      const name = key.slice(dot + 1);
      if (kind === 'rank_pattern') {
        if (!modules.has(name) || t.rank !== 1) throw new ArgumentError(`adalora: loadStateDict: unexpected state "${key}" [${t.shape}] (expected rank_pattern.<module>.lora_E, a vector)`);
        masks.set(name, t);
        continue;
      }
      const p = params.get(name);
      if (!p || (kind !== 'exp_avg_ipt' && kind !== 'exp_avg_unc')) {
        throw new ArgumentError(`adalora: loadStateDict: unexpected state "${key}" (expected exp_avg_ipt.<module>.<lora_A|lora_B|lora_E> or exp_avg_unc.…)`);
      }
      if (t.shape.join() !== p.shape.join()) throw new ShapeError(`adalora: loadStateDict: "${key}" has shape [${t.shape}], the parameter has [${p.shape}]`);
      const entry = next.get(name) ?? {};
      entry[kind === 'exp_avg_ipt' ? 'sensitivity' : 'uncertainty'] = t;
      next.set(name, entry);
    }
    const incomplete = [...next].filter(([, e]) => !e.sensitivity || !e.uncertainty).map(([k]) => k);
    if (incomplete.length) throw new ArgumentError(`adalora: loadStateDict: both averages are needed for ${incomplete.join(', ')}`);
    this.reset();
    for (const [name, e] of next) this.averages.set(name, { sensitivity: keep(copyTensor(e.sensitivity!)), uncertainty: keep(copyTensor(e.uncertainty!)) });
    this.disposePending();
    if (masks.size) this.pendingMasks = new Map([...masks].map(([k, t]) => [k, keep(copyTensor(t))]));
  }

  /** Frees the moving averages. @example `allocator.reset()` */
  reset(): void {
    for (const a of this.averages.values()) {
      a.sensitivity.dispose();
      a.uncertainty.dispose();
    }
    this.averages = new Map();
  }

  /** Frees everything the allocator holds (the adapter is gone). @example `allocator.dispose()` */
  dispose(): void {
    this.reset();
    this.disposePending();
    for (const t of this.maskCache?.tensors.values() ?? []) t.dispose();
    this.maskCache = undefined;
  }

  private disposePending(): void {
    for (const t of this.pendingMasks?.values() ?? []) t.dispose();
    this.pendingMasks = undefined;
  }

  /** Writes masks restored from a state into the config (reading them back is asynchronous). */
  private async resolvePendingMasks(): Promise<void> {
    const pending = this.pendingMasks;
    if (!pending) return;
    const masks = new Map<string, boolean[]>();
    for (const [k, t] of [...pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) masks.set(k, [...(await t.data())].map((v) => v > 0.5));
    this.disposePending();
    this.opts.setRankPattern(masks);
  }

  /** The config's rank_pattern as 0/1 tensors (cached while the pattern is the same object). */
  private maskTensors(): Map<string, Tensor> {
    const masks = this.opts.config().rankPattern;
    if (this.maskCache?.source === masks) return this.maskCache.tensors;
    for (const t of this.maskCache?.tensors.values() ?? []) t.dispose();
    this.maskCache = undefined;
    if (!masks) return new Map();
    const backend = this.opts.layers.values().next().value?.weight.backend;
    const tensors = new Map([...masks].map(([k, flags]) => [k, keep(fromArray(flags.map(Number), [flags.length], { backend }))]));
    this.maskCache = { source: masks, tensors };
    return tensors;
  }

  /** The scored parameters by `<module>.<lora_A|lora_B|lora_E>`. */
  private parameters(): Map<string, Parameter> {
    const out = new Map<string, Parameter>();
    for (const [path, layer] of this.opts.layers) {
      const state = layer.adapterState(this.opts.adapterName);
      for (const k of TRACKED) out.set(`${path}.${k}`, state.get(k)!);
    }
    return out;
  }

  private updateAverages(): void {
    const { beta1, beta2 } = this.opts.config();
    noGrad(() => {
      for (const [name, p] of this.parameters()) {
        const grad = p.grad;
        if (!grad) {
          throw new ArgumentError(`adalora: ${name} has no gradient; run the rank allocation (PeftModel.afterOptimizerStep) after backward and the optimizer step, before the gradients are cleared`);
        }
        const old = this.averages.get(name);
        const next = tidy(() => {
          const ipt = abs(mul(p, grad));
          const s0 = old?.sensitivity ?? zerosLike(p);
          const u0 = old?.uncertainty ?? zerosLike(p);
          const sensitivity = add(mul(s0, beta1), mul(ipt, 1 - beta1));
          const uncertainty = add(mul(u0, beta2), mul(abs(sub(ipt, sensitivity)), 1 - beta2));
          return { sensitivity, uncertainty };
        });
        old?.sensitivity.dispose();
        old?.uncertainty.dispose();
        this.averages.set(name, { sensitivity: keep(next.sensitivity), uncertainty: keep(next.uncertainty) });
      }
    });
  }

  /** Each module's rank scores `[r]`, read back to the host, in module order. */
  private async scores(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const path of this.opts.layers.keys()) {
      const s = (k: Tracked): Tensor => {
        const a = this.averages.get(`${path}.${k}`);
        if (!a) throw new ArgumentError(`adalora: no importance scores for ${path}.${k} yet; ranks are masked only after scores were gathered`);
        return mul(a.sensitivity, a.uncertainty);
      };
      const score = noGrad(() => tidy(() => add(reshape(s('lora_E'), [-1]), add(mean(s('lora_A'), 1), mean(s('lora_B'), 0)))));
      out.set(path, Float32Array.from(await score.data()));
      score.dispose();
    }
    return out;
  }

  /** Masks every rank whose score is at most the (init − budget)-th smallest; returns the kept ranks. */
  private async maskToBudget(budget: number): Promise<RankMasks> {
    const scores = await this.scores();
    const all = Float32Array.from([...scores.values()].flatMap((s) => [...s])).sort();
    const k = this.initBudget - budget;
    // k ≤ 0 (a target at or above the initial budget) masks nothing; PEFT fails there
    const threshold = k >= 1 ? all[Math.min(k, all.length) - 1] : -Infinity;
    const masks = new Map<string, boolean[]>();
    for (const [path, s] of scores) masks.set(rankMaskKey(path), [...s].map((v) => !(v <= threshold)));
    // PEFT writes the pattern with sorted keys
    const sorted = new Map([...masks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    this.applyMasks(sorted);
    return sorted;
  }

  /** Zeroes the `lora_E` entries of masked ranks. */
  private applyMasks(masks: RankMasks): void {
    const name = this.opts.adapterName;
    noGrad(() => {
      for (const [path, layer] of this.opts.layers) {
        const mask = rankMaskOf(masks, path, name);
        const e = layer.loraE.get(name);
        if (!mask || mask.length !== e.shape[0]) continue;
        tidy(() => void e.assign(where(fromArray(mask.map(Number), [mask.length, 1], { backend: e.backend, dtype: 'bool' }), e, 0)));
      }
    });
  }
}
