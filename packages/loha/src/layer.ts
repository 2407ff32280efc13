import type { Module, Parameter, Tensor } from '@peft/core';
import { type LinearLike, type FactorSettings, LowRankFactorLayer, type LayerContext } from '@peft/core/plugin';
import type { LohaConfig } from './config.js';
import { hadaWeight } from './hada-weight.js';

/** The four factor tables, in the order PEFT registers (and saves) them. */
const TABLES = ['hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b'] as const;
type TableName = (typeof TABLES)[number];

/**
 * What one LoHa adapter of a layer needs besides its parameters: rank, alpha, `scaling = alpha / r`,
 * the two dropout probabilities and the randomness they draw from.
 *
 * @example
 * ```ts
 * const { r, scaling } = layer.settingsOf('default');
 * ```
 */
export type LohaSettings = FactorSettings;

/**
 * LoHa (low-rank Hadamard product, FedPara) on a dense layer (`nn.Linear`, GPT-2's `Conv1D`, any
 * {@link LinearLike}): the output becomes `base(x) + x·ΔWᵀ` with
 * `ΔW = ((w1a·w1b) ⊙ (w2a·w2b)) · alpha/r` for every active adapter. The Hadamard product of two
 * rank-r matrices can reach rank r², so ΔW is formed (as PEFT does) by {@link hadaWeight}, whose
 * backward recomputes the products instead of keeping them.
 *
 * Parameters as PEFT names them: `hada_w1_a.<adapter>` `[out, r]`, `hada_w1_b.<adapter>` `[r, in]`,
 * `hada_w2_a.<adapter>` `[out, r]`, `hada_w2_b.<adapter>` `[r, in]` (saved without the adapter name
 * and without `.weight`). On a Conv1D the factors describe the same `[out, in]` map and
 * {@link LohaLinear.deltaWeight} is transposed to the Conv1D's `[in, out]` layout.
 *
 * In training, `rank_dropout` drops output rows of ΔW (the kept rows scaled by 1/mean of the mask) and
 * `module_dropout` skips the whole adapter with that probability, as in PEFT.
 *
 * @example
 * ```ts
 * const layer = new LohaLinear(new Linear(32, 64));
 * layer.addAdapter('default', { adapterName: 'default', config: lohaConfig({ r: 4 }), path: 'proj', targetKey: 'proj' });
 * layer.activeAdapters = ['default'];
 * const y = layer.forward(x); // [..., 64]
 * ```
 */
export class LohaLinear extends LowRankFactorLayer<LohaConfig, LohaSettings> {
  constructor(base: Module & LinearLike) {
    super(base, TABLES);
  }

  /**
   * Creates adapter `name` (rank and alpha from `ctx.rank` / `ctx.alpha` when a pattern matched).
   * `initWeights: true` draws w1a, w1b, w2a Kaiming-uniform (a = √5) and sets w2b to zeros, so the
   * adapter starts as a no-op; `false` draws all four.
   *
   * @example
   * ```ts
   * layer.addAdapter('other', { ...ctx, adapterName: 'other', config: lohaConfig({ r: 8 }) });
   * ```
   */
  protected createAdapter(_name: string, ctx: LayerContext<LohaConfig>): { entries: Record<string, Parameter>; settings: LohaSettings } {
    const c = ctx.config;
    const r = this.checkedRank(ctx.rank ?? c.r, 'loha', ctx.path);
    const alpha = ctx.alpha ?? c.alpha;
    const [out, inp] = [this.outFeatures, this.inFeatures];
    const shapes: Record<TableName, number[]> = { hada_w1_a: [out, r], hada_w1_b: [r, inp], hada_w2_a: [out, r], hada_w2_b: [r, inp] };
    const entries = this.initFactors(shapes, c.initWeights ? 'hada_w2_b' : null, ctx.generator);
    return { entries, settings: { r, alpha, scaling: alpha / r, rankDropout: c.rankDropout, moduleDropout: c.moduleDropout, generator: ctx.generator } };
  }

  /**
   * Adapter `name`'s parameters by their saved names: `hada_w1_a`, `hada_w1_b`, `hada_w2_a`, `hada_w2_b`.
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b']
   * ```
   */
  override adapterState(name: string): Map<string, Parameter> {
    return new Map(TABLES.map((t) => [t, this.factor(t, name)]));
  }

  /** `((w1a·w1b) ⊙ (w2a·w2b)) · alpha/r`, `[out, in]`, formed by {@link hadaWeight}. */
  protected delta(name: string): Tensor {
    const [a1, b1, a2, b2] = TABLES.map((t) => this.factor(t, name));
    return hadaWeight(a1, b1, a2, b2, this.settingsOf(name).scaling);
  }
}
