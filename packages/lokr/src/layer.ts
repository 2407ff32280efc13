import { type Module, type Parameter, type Tensor } from '@peft/core';
import { type LinearLike, linear, matmul, mul, type FactorSettings, LowRankFactorLayer, type LayerContext } from '@peft/core/plugin';
import type { LokrConfig } from './config.js';
import { type LokrLayout, lokrLayout } from './factorization.js';
import { kron, kronFlops, kronLinear } from './kron.js';

/** The factor tables, in the order PEFT registers them. */
const TABLES = ['lokr_w1', 'lokr_w1_a', 'lokr_w1_b', 'lokr_w2', 'lokr_w2_a', 'lokr_w2_b'] as const;
type TableName = (typeof TABLES)[number];

/**
 * How a LoKr layer applies `kron(W1, W2)` in its forward: `'auto'` picks the cheaper of the two by
 * {@link kronFlops} for each input; `'materialized'` forms ΔW (as PEFT does); `'factored'` never does.
 *
 * @example
 * ```ts
 * layer.kronPath = 'factored';
 * ```
 */
export type KronPath = 'auto' | 'materialized' | 'factored';

/**
 * What one LoKr adapter of a layer needs besides its parameters: its layout, rank, alpha,
 * `scaling = alpha / r`, dropouts and the randomness they draw from.
 *
 * @example
 * ```ts
 * const { layout, scaling } = layer.settingsOf('default');
 * ```
 */
export interface LokrSettings extends FactorSettings {
  readonly layout: LokrLayout;
  readonly rankDropoutScale: boolean;
}

/**
 * LoKr (low-rank Kronecker product) on a dense layer (`nn.Linear`, GPT-2's `Conv1D`, any
 * {@link LinearLike}): the output becomes `base(x) + x·ΔWᵀ` with `ΔW = kron(W1, W2) · alpha/r` for
 * every active adapter. `W1` `[a, c]` and `W2` `[b, d]` split the `[out, in]` weight as PEFT's
 * {@link lokrLayout} says (`out = a·b`, `in = c·d`); each is a full matrix or a rank-r product.
 *
 * The forward applies the product without forming ΔW when that is cheaper
 * (`(A ⊗ B)·vec(X) = vec(B·X·Aᵀ)`, see {@link kronLinear}), choosing by a FLOP estimate; {@link LokrLinear.kronPath} can force
 * either way. In training, `rank_dropout` drops output rows of ΔW (rescaled by 1/mean of the mask
 * with `rank_dropout_scale`) and `module_dropout` skips the whole adapter, as in PEFT.
 *
 * Parameters as PEFT names them: `lokr_w1.<adapter>` or `lokr_w1_a` / `lokr_w1_b`, and `lokr_w2` or
 * `lokr_w2_a` / `lokr_w2_b` (saved without the adapter name and without `.weight`). On a Conv1D the
 * factors describe the same `[out, in]` map and {@link LokrLinear.deltaWeight} is transposed to `[in, out]`.
 *
 * @example
 * ```ts
 * const layer = new LokrLinear(new Linear(32, 64));
 * layer.addAdapter('default', { adapterName: 'default', config: lokrConfig({ r: 4 }), path: 'proj', targetKey: 'proj' });
 * layer.activeAdapters = ['default'];
 * const y = layer.forward(x); // [..., 64]
 * ```
 */
export class LokrLinear extends LowRankFactorLayer<LokrConfig, LokrSettings> {
  /** How the forward applies the Kronecker product (default `'auto'`: by a FLOP estimate). */
  kronPath: KronPath = 'auto';

  constructor(base: Module & LinearLike) {
    super(base, TABLES);
  }

  /**
   * Creates adapter `name` (rank and alpha from `ctx.rank` / `ctx.alpha` when a pattern matched).
   * Initial values as PEFT: `initWeights: true` sets W1 (or `lokr_w1_a`) to zeros, so the adapter is
   * a no-op, and draws the rest Kaiming-uniform (a = √5); `'lycoris'` zeros W2 (or `lokr_w2_b`)
   * instead; `false` draws everything.
   *
   * @example
   * ```ts
   * layer.addAdapter('other', { ...ctx, adapterName: 'other', config: lokrConfig({ r: 2, decomposeBoth: true }) });
   * ```
   */
  protected createAdapter(_name: string, ctx: LayerContext<LokrConfig>): { entries: Record<string, Parameter>; settings: LokrSettings } {
    const c = ctx.config;
    const r = this.checkedRank(ctx.rank ?? c.r, 'lokr', ctx.path);
    const alpha = ctx.alpha ?? c.alpha;
    const layout = lokrLayout(this.outFeatures, this.inFeatures, r, c.decomposeFactor, c.decomposeBoth);
    const [[a, cc], [b, d]] = [layout.w1, layout.w2];
    const shapes: Partial<Record<TableName, number[]>> = layout.fullW1 ? { lokr_w1: [a, cc] } : { lokr_w1_a: [a, r], lokr_w1_b: [r, cc] };
    Object.assign(shapes, layout.fullW2 ? { lokr_w2: [b, d] } : { lokr_w2_a: [b, r], lokr_w2_b: [r, d] });
    const zeroed: TableName = c.initWeights === 'lycoris' ? (layout.fullW2 ? 'lokr_w2' : 'lokr_w2_b') : layout.fullW1 ? 'lokr_w1' : 'lokr_w1_a';
    const entries = this.initFactors(shapes, c.initWeights !== false ? zeroed : null, ctx.generator);
    const settings = { layout, r, alpha, scaling: alpha / r, rankDropout: c.rankDropout, rankDropoutScale: c.rankDropoutScale, moduleDropout: c.moduleDropout, generator: ctx.generator };
    return { entries, settings };
  }

  /** `W1` and `W2` of adapter `name` (rank-r products formed when decomposed), unscaled. */
  private factors(name: string): [Tensor, Tensor] {
    const f = (t: TableName): Tensor => this.factor(t, name);
    const w1 = this.hasFactor('lokr_w1', name) ? f('lokr_w1') : matmul(f('lokr_w1_a'), f('lokr_w1_b'));
    const w2 = this.hasFactor('lokr_w2', name) ? f('lokr_w2') : matmul(f('lokr_w2_a'), f('lokr_w2_b'));
    return [w1, w2];
  }

  /** `kron(W1, W2) · alpha/r`, `[out, in]`. */
  protected delta(name: string): Tensor {
    const [w1, w2] = this.factors(name);
    return mul(kron(w1, w2), this.settingsOf(name).scaling);
  }

  /** Whether the forward of `rows` input rows applies adapter `name` without forming ΔW. @example `layer.usesFactoredPath('default', 16)` */
  usesFactoredPath(name: string, rows: number): boolean {
    if (this.kronPath !== 'auto') return this.kronPath === 'factored';
    const { w1, w2 } = this.settingsOf(name).layout;
    const cost = kronFlops(rows, w1, w2);
    return cost.factored < cost.materialized;
  }

  /** `x·ΔWᵀ`, by the factored Kronecker product when {@link LokrLinear.usesFactoredPath} says so. */
  protected override adapterOutput(name: string, x: Tensor): Tensor {
    const s = this.settingsOf(name);
    const [w1, w2] = this.factors(name);
    const rows = x.size / this.inFeatures;
    return this.usesFactoredPath(name, rows) ? kronLinear(x, mul(w1, s.scaling), w2) : linear(x, mul(kron(w1, w2), s.scaling));
  }
}
