import {
  LinearAdapterLayer,
  ArgumentError,
  ConfigError,
  type Generator,
  type LayerContext,
  type LinearLike,
  type Module,
  Parameter,
  ParameterDict,
  type Tensor,
  add,
  kaimingUniform,
  linear,
  matmul,
  mul,
  zeros,
  moduleDropped,
  rankDropoutMask,
} from '@peft/core';
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
export interface LokrSettings {
  readonly layout: LokrLayout;
  readonly r: number;
  readonly alpha: number;
  readonly scaling: number;
  readonly rankDropout: number;
  readonly rankDropoutScale: boolean;
  readonly moduleDropout: number;
  readonly generator?: Generator;
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
export class LokrLinear extends LinearAdapterLayer<LokrConfig> {
  /** How the forward applies the Kronecker product (default `'auto'`: by a FLOP estimate). */
  kronPath: KronPath = 'auto';
  private tables: Record<TableName, ParameterDict>;
  private readonly settings = new Map<string, LokrSettings>();

  constructor(base: Module & LinearLike) {
    super(base);
    this.tables = Object.fromEntries(TABLES.map((t) => [t, this.registerModule(t, new ParameterDict())])) as Record<TableName, ParameterDict>;
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
  addAdapter(name: string, ctx: LayerContext<LokrConfig>): void {
    if (this.hasAdapter(name)) throw new ArgumentError(`LokrLinear.addAdapter: adapter "${name}" already exists on ${ctx.path}`);
    const c = ctx.config;
    const r = ctx.rank ?? c.r;
    const alpha = ctx.alpha ?? c.alpha;
    if (!Number.isInteger(r) || r < 1) throw new ConfigError(`lokr: r must be a positive integer, got ${r} for ${ctx.path}`);
    const layout = lokrLayout(this.outFeatures, this.inFeatures, r, c.decomposeFactor, c.decomposeBoth);
    const make = { backend: this.weight.backend, dtype: this.weight.dtype, generator: ctx.generator };
    const [[a, cc], [b, d]] = [layout.w1, layout.w2];
    const shapes: Partial<Record<TableName, number[]>> = layout.fullW1 ? { lokr_w1: [a, cc] } : { lokr_w1_a: [a, r], lokr_w1_b: [r, cc] };
    Object.assign(shapes, layout.fullW2 ? { lokr_w2: [b, d] } : { lokr_w2_a: [b, r], lokr_w2_b: [r, d] });
    const zeroed: TableName = c.initWeights === 'lycoris' ? (layout.fullW2 ? 'lokr_w2' : 'lokr_w2_b') : layout.fullW1 ? 'lokr_w1' : 'lokr_w1_a';
    for (const t of TABLES) {
      const shape = shapes[t];
      if (!shape) continue;
      this.tables[t].set(name, new Parameter(c.initWeights !== false && t === zeroed ? zeros(shape, make) : kaimingUniform(shape, make)));
    }
    this.settings.set(name, {
      layout,
      r,
      alpha,
      scaling: alpha / r,
      rankDropout: c.rankDropout,
      rankDropoutScale: c.rankDropoutScale,
      moduleDropout: c.moduleDropout,
      generator: ctx.generator,
    });
    this.adapterNames.push(name);
  }

  /** Frees adapter `name`'s parameters. @example `layer.removeAdapter('other')` */
  removeAdapter(name: string): void {
    const params = [...this.adapterState(name).values()];
    // parameters cannot be unregistered: rebuild the tables without the adapter, in their order
    for (const t of TABLES) this.removeChild(t);
    this.tables = Object.fromEntries(TABLES.map((t) => [t, this.registerModule(t, this.tables[t].without(name))])) as Record<TableName, ParameterDict>;
    for (const p of params) p.dispose();
    this.settings.delete(name);
  }

  /**
   * Adapter `name`'s parameters by their saved names (`lokr_w1` or `lokr_w1_a` / `lokr_w1_b`, then
   * `lokr_w2` or `lokr_w2_a` / `lokr_w2_b`).
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['lokr_w1', 'lokr_w2']
   * ```
   */
  adapterState(name: string): Map<string, Parameter> {
    if (!this.settings.has(name)) throw new ArgumentError(`LokrLinear: no adapter "${name}" (adapters: ${this.adapterNames.join(', ') || 'none'})`);
    return new Map(TABLES.filter((t) => this.tables[t].has(name)).map((t) => [t, this.tables[t].get(name)]));
  }

  /** Adapter `name`'s layout, rank, alpha, scaling and dropouts. @example `layer.settingsOf('default').layout.w1` */
  settingsOf(name: string): LokrSettings {
    const s = this.settings.get(name);
    if (!s) throw new ArgumentError(`LokrLinear: no adapter "${name}" (adapters: ${this.adapterNames.join(', ') || 'none'})`);
    return s;
  }

  /** `W1` and `W2` of adapter `name` (rank-r products formed when decomposed), unscaled. */
  private factors(name: string): [Tensor, Tensor] {
    const t = this.tables;
    const w1 = t.lokr_w1.has(name) ? t.lokr_w1.get(name) : matmul(t.lokr_w1_a.get(name), t.lokr_w1_b.get(name));
    const w2 = t.lokr_w2.has(name) ? t.lokr_w2.get(name) : matmul(t.lokr_w2_a.get(name), t.lokr_w2_b.get(name));
    return [w1, w2];
  }

  /**
   * `kron(W1, W2) · alpha/r` in the base weight's layout (`[out, in]`, or `[in, out]` for a Conv1D),
   * without dropout: what merging adds to the base weight.
   *
   * @example
   * ```ts
   * const delta = layer.deltaWeight('default');
   * ```
   */
  override deltaWeight(name: string): Tensor {
    const [w1, w2] = this.factors(name);
    const d = mul(kron(w1, w2), this.settingsOf(name).scaling);
    return this.inBaseLayout(d);
  }

  /** Whether the forward of `rows` input rows applies adapter `name` without forming ΔW. @example `layer.usesFactoredPath('default', 16)` */
  usesFactoredPath(name: string, rows: number): boolean {
    if (this.kronPath !== 'auto') return this.kronPath === 'factored';
    const { w1, w2 } = this.settingsOf(name).layout;
    const cost = kronFlops(rows, w1, w2);
    return cost.factored < cost.materialized;
  }

  protected applyAdapter(name: string, x: Tensor, result: Tensor): Tensor {
    const s = this.settingsOf(name);
    if (moduleDropped(s.moduleDropout, this.training, s.generator)) return result;
    const [w1, w2] = this.factors(name);
    const rows = x.size / this.inFeatures;
    let h = this.usesFactoredPath(name, rows) ? kronLinear(x, mul(w1, s.scaling), w2) : linear(x, mul(kron(w1, w2), s.scaling));
    const mask = rankDropoutMask(this.outFeatures, s.rankDropout, s.rankDropoutScale, this.training, { backend: x.backend, dtype: h.dtype, generator: s.generator });
    if (mask) h = mul(h, mask);
    return add(result, h);
  }

  override extraRepr(): string {
    const ranks = this.adapterNames.map((n) => `${n}: r=${this.settings.get(n)?.r}`).join(', ');
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, ${ranks}`;
  }
}
