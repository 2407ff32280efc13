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
  mul,
  zeros,
  moduleDropped,
  rankDropoutMask,
} from '@peft/core';
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
export interface LohaSettings {
  readonly r: number;
  readonly alpha: number;
  readonly scaling: number;
  readonly rankDropout: number;
  readonly moduleDropout: number;
  readonly generator?: Generator;
}

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
export class LohaLinear extends LinearAdapterLayer<LohaConfig> {
  private tables: Record<TableName, ParameterDict>;
  private readonly settings = new Map<string, LohaSettings>();

  constructor(base: Module & LinearLike) {
    super(base);
    this.tables = Object.fromEntries(TABLES.map((t) => [t, this.registerModule(t, new ParameterDict())])) as Record<TableName, ParameterDict>;
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
  addAdapter(name: string, ctx: LayerContext<LohaConfig>): void {
    if (this.hasAdapter(name)) throw new ArgumentError(`LohaLinear.addAdapter: adapter "${name}" already exists on ${ctx.path}`);
    const c = ctx.config;
    const r = ctx.rank ?? c.r;
    const alpha = ctx.alpha ?? c.alpha;
    if (!Number.isInteger(r) || r < 1) throw new ConfigError(`loha: r must be a positive integer, got ${r} for ${ctx.path}`);
    const make = { backend: this.weight.backend, dtype: this.weight.dtype, generator: ctx.generator };
    const [out, inp] = [this.outFeatures, this.inFeatures];
    const shapes: Record<TableName, number[]> = { hada_w1_a: [out, r], hada_w1_b: [r, inp], hada_w2_a: [out, r], hada_w2_b: [r, inp] };
    for (const t of TABLES) {
      const value = t === 'hada_w2_b' && c.initWeights ? zeros(shapes[t], make) : kaimingUniform(shapes[t], make);
      this.tables[t].set(name, new Parameter(value));
    }
    this.settings.set(name, { r, alpha, scaling: alpha / r, rankDropout: c.rankDropout, moduleDropout: c.moduleDropout, generator: ctx.generator });
    this.adapterNames.push(name);
  }

  /** Frees adapter `name`'s parameters. @example `layer.removeAdapter('other')` */
  removeAdapter(name: string): void {
    const params = TABLES.filter((t) => this.tables[t].has(name)).map((t) => this.tables[t].get(name));
    // parameters cannot be unregistered: rebuild the tables without the adapter, in their order
    for (const t of TABLES) this.removeChild(t);
    this.tables = Object.fromEntries(TABLES.map((t) => [t, this.registerModule(t, this.tables[t].without(name))])) as Record<TableName, ParameterDict>;
    for (const p of params) p.dispose();
    this.settings.delete(name);
  }

  /**
   * Adapter `name`'s parameters by their saved names: `hada_w1_a`, `hada_w1_b`, `hada_w2_a`, `hada_w2_b`.
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b']
   * ```
   */
  adapterState(name: string): Map<string, Parameter> {
    return new Map(TABLES.map((t) => [t, this.tables[t].get(name)]));
  }

  /** Adapter `name`'s rank, alpha, scaling (alpha / r) and dropouts. @example `layer.settingsOf('default').scaling` */
  settingsOf(name: string): LohaSettings {
    const s = this.settings.get(name);
    if (!s) throw new ArgumentError(`LohaLinear: no adapter "${name}" (adapters: ${this.adapterNames.join(', ') || 'none'})`);
    return s;
  }

  /** `ΔW` of adapter `name` in the `[out, in]` orientation, scaled. */
  private hadaDelta(name: string): Tensor {
    const [a1, b1, a2, b2] = TABLES.map((t) => this.tables[t].get(name));
    return hadaWeight(a1, b1, a2, b2, this.settingsOf(name).scaling);
  }

  /**
   * `((w1a·w1b) ⊙ (w2a·w2b)) · alpha/r` in the base weight's layout (`[out, in]`, or `[in, out]` for
   * a Conv1D), without dropout: what merging adds to the base weight.
   *
   * @example
   * ```ts
   * const delta = layer.deltaWeight('default');
   * ```
   */
  override deltaWeight(name: string): Tensor {
    const d = this.hadaDelta(name);
    return this.inBaseLayout(d);
  }

  protected applyAdapter(name: string, x: Tensor, result: Tensor): Tensor {
    const s = this.settingsOf(name);
    if (moduleDropped(s.moduleDropout, this.training, s.generator)) return result;
    let h = linear(x, this.hadaDelta(name));
    const mask = rankDropoutMask(this.outFeatures, s.rankDropout, true, this.training, { backend: x.backend, dtype: h.dtype, generator: s.generator });
    if (mask) h = mul(h, mask);
    return add(result, h);
  }

  override extraRepr(): string {
    const ranks = this.adapterNames.map((n) => `${n}: r=${this.settings.get(n)?.r}`).join(', ');
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, ${ranks}`;
  }
}
