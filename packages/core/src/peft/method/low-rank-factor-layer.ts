import { adapterDType } from './adapter-dtype.js';
import { ConfigError } from '../../errors.js';
import { kaimingUniform, zeros } from '../../ops/creation.js';
import { add, mul } from '../../ops/elementwise.js';
import { linear } from '../../ops/matmul.js';
import type { Generator } from '../../random.js';
import type { Tensor } from '../../tensor.js';
import type { LinearLike } from '../../nn/linear-like.js';
import type { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { ParameterDict } from '../../nn/parameter-dict.js';
import { moduleDropped, rankDropoutMask } from './adapter-dropout.js';
import type { PeftConfig } from './config-schema.js';
import { LinearAdapterLayer } from './linear-adapter-layer.js';

/**
 * What every adapter of a {@link LowRankFactorLayer} keeps besides its factors: rank, alpha,
 * `scaling = alpha / r`, the two LyCORIS dropouts and the randomness they draw from.
 *
 * @example
 * ```ts
 * const { r, scaling } = layer.settingsOf('default');
 * ```
 */
export interface FactorSettings {
  /** The adapter's rank. */
  readonly r: number;
  /** Its alpha. */
  readonly alpha: number;
  /** `alpha / r`. */
  readonly scaling: number;
  /** Probability of dropping an output row of ΔW in training. */
  readonly rankDropout: number;
  /** Whether the kept rows are rescaled by 1/mean of the mask (default true). */
  readonly rankDropoutScale?: boolean;
  /** Probability of skipping the whole adapter in training. */
  readonly moduleDropout: number;
  /** Randomness for the dropouts (default: the global generator). */
  readonly generator?: Generator;
}

/**
 * An adapter layer on a dense layer whose adapters are a few factor matrices, one `ParameterDict`
 * per factor (`hada_w1_a`, `lokr_w2` …, saved without the adapter name and without `.weight`), that
 * combine into a weight change ΔW `[out, in]` (LoHa's Hadamard product, LoKr's Kronecker product). It
 * owns what such methods share: the factor tables, their saved names, factor initialisation, the rank
 * check, merging through `deltaWeight`, and a forward with LyCORIS' `module_dropout` (skip the
 * adapter) and `rank_dropout` (drop output rows of ΔW). A method writes the factors' shapes in
 * `createAdapter` (with {@link LowRankFactorLayer.initFactors}) and ΔW in {@link LowRankFactorLayer.delta}.
 *
 * @example
 * ```ts
 * class MyFactors extends LowRankFactorLayer<MyConfig, FactorSettings> {
 *   constructor(base: Module & LinearLike) { super(base, ['w_a', 'w_b']); }
 *   protected createAdapter(name: string, ctx: LayerContext<MyConfig>) {
 *     const r = this.checkedRank(ctx.rank ?? ctx.config.r, 'mine', ctx.path);
 *     const entries = this.initFactors({ w_a: [this.outFeatures, r], w_b: [r, this.inFeatures] }, 'w_b', ctx.generator);
 *     return { entries, settings: { r, alpha: r, scaling: 1, rankDropout: 0, moduleDropout: 0 } };
 *   }
 *   protected delta(name: string) { return matmul(this.factor('w_a', name), this.factor('w_b', name)); }
 * }
 * ```
 */
export abstract class LowRankFactorLayer<C extends PeftConfig = PeftConfig, S extends FactorSettings = FactorSettings> extends LinearAdapterLayer<C, S> {
  /** The factor tables' names, in the order they are registered (and saved). */
  protected readonly factorNames: readonly string[];
  private readonly factorTables = new Map<string, ParameterDict>();

  /**
   * Wraps the dense layer `base` and registers one `ParameterDict` per name in `factorNames`, in that order.
   *
   * @example
   * ```ts
   * super(base, ['hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b']);
   * ```
   */
  constructor(base: Module & LinearLike, factorNames: readonly string[]) {
    super(base);
    this.factorNames = factorNames;
    for (const t of factorNames) this.factorTables.set(t, this.adapterTable(t, new ParameterDict()));
  }

  /**
   * ΔW of adapter `name` in the `[out, in]` orientation, scaled, without dropout.
   *
   * @example
   * ```ts
   * protected delta(name: string) { return hadaWeight(…, this.settingsOf(name).scaling); }
   * ```
   */
  protected abstract delta(name: string): Tensor;

  /**
   * The adapter's change of the output for input `x`, before rank dropout: `x·ΔWᵀ` unless a method
   * has a cheaper way (LoKr's factored Kronecker product).
   *
   * @example
   * ```ts
   * protected override adapterOutput(name: string, x: Tensor) { return kronLinear(x, w1, w2); }
   * ```
   */
  protected adapterOutput(name: string, x: Tensor): Tensor {
    return linear(x, this.delta(name));
  }

  /** Whether factor table `table` has an entry for adapter `name`. @example `this.hasFactor('lokr_w1', name)` */
  protected hasFactor(table: string, name: string): boolean {
    return this.factorTables.get(table)?.has(name) ?? false;
  }

  /** Adapter `name`'s factor in table `table`. @example `this.factor('hada_w1_a', 'default')` */
  protected factor(table: string, name: string): Parameter {
    return this.factorTables.get(table)!.get(name);
  }

  /**
   * `r` if it is a positive integer; otherwise a ConfigError naming the method and the module.
   *
   * @example
   * ```ts
   * const r = this.checkedRank(ctx.rank ?? ctx.config.r, 'loha', ctx.path);
   * ```
   */
  protected checkedRank(r: number, method: string, path: string): number {
    if (!Number.isInteger(r) || r < 1) throw new ConfigError(`${method}: r must be a positive integer, got ${r} for ${path}`);
    return r;
  }

  /**
   * New factors with the given shapes, in the order of the factor tables: the one named `zeroed` is
   * zeros (so the adapter starts as a no-op), the others Kaiming-uniform (a = √5), drawn in that order
   * from `generator`. Tables without a shape get no entry.
   *
   * @example
   * ```ts
   * const entries = this.initFactors({ hada_w1_a: [out, r], hada_w1_b: [r, inp] }, 'hada_w1_b', ctx.generator);
   * ```
   */
  protected initFactors(shapes: Readonly<Record<string, readonly number[]>>, zeroed: string | null, generator?: Generator): Record<string, Parameter> {
    const make = { backend: this.weight.backend, dtype: adapterDType(this.weight.dtype), generator };
    const out: Record<string, Parameter> = {};
    for (const t of this.factorNames) {
      const shape = shapes[t];
      if (!shape) continue;
      out[t] = new Parameter(t === zeroed ? zeros([...shape], make) : kaimingUniform([...shape], make));
    }
    return out;
  }

  /**
   * Adapter `name`'s factors by their saved names, in table order (only the tables it has entries in).
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b']
   * ```
   */
  adapterState(name: string): Map<string, Parameter> {
    this.settingsOf(name);
    return new Map(this.factorNames.filter((t) => this.hasFactor(t, name)).map((t) => [t, this.factor(t, name)]));
  }

  /**
   * ΔW of adapter `name` in the base weight's layout (`[out, in]`, or `[in, out]` for a Conv1D),
   * without dropout: what merging adds to the base weight.
   *
   * @example
   * ```ts
   * const delta = layer.deltaWeight('default');
   * ```
   */
  override deltaWeight(name: string): Tensor {
    return this.inBaseLayout(this.delta(name));
  }

  protected applyAdapter(name: string, x: Tensor, result: Tensor): Tensor {
    const s = this.settingsOf(name);
    if (moduleDropped(s.moduleDropout, this.training, s.generator)) return result;
    let h = this.adapterOutput(name, x);
    const mask = rankDropoutMask(this.outFeatures, s.rankDropout, s.rankDropoutScale ?? true, this.training, { backend: x.backend, dtype: h.dtype, generator: s.generator });
    if (mask) h = mul(h, mask);
    return add(result, h);
  }

  override extraRepr(): string {
    const ranks = this.adapterNames.map((n) => `${n}: r=${this.settings.get(n)?.r}`).join(', ');
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, ${ranks}`;
  }
}
