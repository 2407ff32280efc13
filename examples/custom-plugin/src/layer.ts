import { type Generator, Parameter, ParameterDict, type Tensor, dropout, full, ones, randn, zeros } from '@peft/core';
import { add, composite, linear, matmul, mul, narrow, reshape, type LayerContext, LinearAdapterLayer } from '@peft/core/plugin';
import type { VeraConfig } from './config.js';
import { type VeraProjections, projectionsFor } from './projections.js';

/**
 * What one VeRA adapter of a layer keeps besides its vectors: the adapter's shared projections and
 * its dropout probability.
 *
 * @example
 * ```ts
 * layer.settingsOf('default').projections.a.shape; // [r, widest input]
 * ```
 */
export interface VeraSettings {
  /** The adapter's shared frozen projections (the shared projections stay with the adapter's other layers when one layer drops it). */
  readonly projections: VeraProjections;
  /** `vera_dropout`. */
  readonly dropout: number;
}

/**
 * VeRA on a dense layer (`Linear`, GPT-2's `Conv1D`, any `LinearLike`): the output gains
 * `λ_b ⊙ (B · (λ_d ⊙ (A · x)))`, where `A` / `B` are slices of the adapter's shared frozen random
 * projections and `λ_d` (`[r]`) / `λ_b` (`[out]`) are this layer's trainable vectors. With
 * `init_weights` (the default) `λ_b` starts at 0 and `λ_d` at `d_initial`, so a new adapter changes
 * nothing; otherwise `λ_b` starts at 1 and `λ_d` at N(0, 1), as in PEFT.
 *
 * Parameter names match Hugging Face PEFT: `vera_lambda_b.<adapter>` in memory, saved as
 * `vera_lambda_b` (likewise `vera_lambda_d`). Merging adds `deltaWeight` through core's default.
 *
 * @example
 * ```ts
 * const layer = new VeraLinear(new Linear(32, 64));
 * layer.addAdapter('default', { adapterName: 'default', config: veraConfig({ r: 4, targetModules: ['proj'] }), path: 'proj', targetKey: 'proj' });
 * layer.activeAdapters = ['default'];
 * const y = layer.forward(x);
 * ```
 */
export class VeraLinear extends LinearAdapterLayer<VeraConfig, VeraSettings> {
  private readonly lambdaB = this.adapterTable('vera_lambda_b', new ParameterDict());
  private readonly lambdaD = this.adapterTable('vera_lambda_d', new ParameterDict());
  /** Draws the dropout masks (the adapter's generator when given). */
  private generator?: Generator;

  /**
   * Creates adapter `name`: its vectors, and a claim on the adapter's shared projections large
   * enough for this layer.
   *
   * @example
   * ```ts
   * layer.addAdapter('other', { ...ctx, adapterName: 'other' });
   * ```
   */
  protected createAdapter(_name: string, ctx: LayerContext<VeraConfig>): { entries: Record<string, Parameter>; settings: VeraSettings } {
    const { config } = ctx;
    const w = this.weight;
    const projections = projectionsFor(config, w.backend, w.dtype);
    projections.require(this.inFeatures, this.outFeatures);
    const opts = { backend: w.backend, dtype: w.dtype };
    const [b, d] = config.initWeights
      ? [zeros([this.outFeatures], opts), full([config.r], config.dInitial, opts)]
      : [ones([this.outFeatures], opts), randn([config.r], { ...opts, generator: ctx.generator })];
    this.generator ??= ctx.generator;
    return { entries: { vera_lambda_b: new Parameter(b), vera_lambda_d: new Parameter(d) }, settings: { projections, dropout: config.veraDropout } };
  }

  /** Adapter `name`'s parameters by their saved names. @example `[...layer.adapterState('default').keys()] // ['vera_lambda_b', 'vera_lambda_d']` */
  adapterState(name: string): Map<string, Parameter> {
    return new Map([
      ['vera_lambda_b', this.lambdaB.get(name)],
      ['vera_lambda_d', this.lambdaD.get(name)],
    ]);
  }

  /** The shared projections adapter `name` uses. @example `layer.projectionsOf('default').a.shape` */
  projectionsOf(name: string): VeraProjections {
    return this.settingsOf(name).projections;
  }

  protected applyAdapter(name: string, x: Tensor, baseResult: Tensor): Tensor {
    const { a, b } = this.slices(name);
    const xs = dropout(x, this.settingsOf(name).dropout, { training: this.training, generator: this.generator });
    const hidden = mul(linear(xs, a), this.lambdaD.get(name));
    return add(baseResult, mul(linear(hidden, b), this.lambdaB.get(name)));
  }

  /**
   * The change adapter `name` makes to the base weight, `(λ_b ⊙ B) · (λ_d ⊙ A)`, in the base weight's
   * layout (`[out, in]`, or `[in, out]` for Conv1D).
   *
   * @example
   * ```ts
   * const delta = layer.deltaWeight('default'); // same shape as layer.weight
   * ```
   */
  override deltaWeight(name: string): Tensor {
    return composite(() => {
      const { a, b } = this.slices(name);
      const scaledB = mul(b, reshape(this.lambdaB.get(name), [this.outFeatures, 1]));
      const scaledA = mul(a, reshape(this.lambdaD.get(name), [-1, 1]));
      return this.inBaseLayout(matmul(scaledB, scaledA));
    });
  }

  private slices(name: string): { a: Tensor; b: Tensor } {
    const p = this.projectionsOf(name);
    return { a: narrow(p.a, 1, 0, this.inFeatures), b: narrow(p.b, 0, 0, this.outFeatures) };
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, adapters=${this.adapterNames.join(', ')}`;
  }
}
