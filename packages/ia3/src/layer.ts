import { type Generator, MergeError, Parameter, ParameterDict, type Tensor, noGrad, ones, randn, tidy, where } from '@peft/core';
import { cast, composite, div, eq, mul, reshape, sub, LinearAdapterLayer, currentAdapterRows, type LayerContext, adapterDType } from '@peft/core/plugin';
import { type IA3Config, isFeedforwardModule } from './config.js';

/** What a zero vector entry is replaced by when unmerging divides it back out (PEFT adds it to every entry). */
const UNMERGE_EPS = 1e-8;

/**
 * What one (IA)³ adapter of a layer keeps besides its vector.
 *
 * @example
 * ```ts
 * layer.settingsOf('default').feedforward; // true: the vector scales the input
 * ```
 */
export interface Ia3Settings {
  /** Whether the vector scales the layer's input (a feed-forward module) rather than its output. */
  readonly feedforward: boolean;
}

/**
 * (IA)³ on a dense layer (`nn.Linear`, GPT-2's `Conv1D`, or any `LinearLike` module): a learned
 * vector `l` per adapter rescales the layer's output, `base(x) ⊙ l` (`l` of shape `[out, 1]`), or, for
 * a feed-forward module, its input, `base(x ⊙ l)` (`l` of shape `[1, in]`). Several active adapters
 * multiply their vectors. The vectors start at 1 (`init_ia3_weights`; otherwise N(0, 1)).
 *
 * Parameter names match Hugging Face PEFT: `ia3_l.<adapter>` in memory, saved as `ia3_l`. Merging
 * scales the base weight's rows (output scaling) or columns (input scaling) in the weight's own layout
 * (`[out, in]`, or `[in, out]` for Conv1D); output scaling also scales the bias. Unmerging divides by
 * `l + 1e-8`, as PEFT does, so it is exact up to rounding unless a vector entry is (near) zero.
 *
 * @example
 * ```ts
 * const layer = new Ia3Linear(new Linear(32, 64));
 * layer.addAdapter('default', { adapterName: 'default', config: ia3Config({ targetModules: ['proj'] }), path: 'proj', targetKey: 'proj' });
 * layer.activeAdapters = ['default'];
 * const y = layer.forward(x); // base(x) ⊙ l
 * ```
 */
export class Ia3Linear extends LinearAdapterLayer<IA3Config, Ia3Settings> {
  private readonly vectors = this.adapterTable('ia3_l', new ParameterDict());

  /** The vectors by adapter name (`ia3_l.<adapter>`). @example `layer.ia3L.get('default').shape // [out, 1]` */
  get ia3L(): ParameterDict {
    return this.vectors;
  }

  /**
   * Creates adapter `name`: a vector `[1, in]` when `ctx.path` is one of the config's
   * `feedforward_modules`, else `[out, 1]`.
   *
   * @example
   * ```ts
   * layer.addAdapter('other', { ...ctx, adapterName: 'other' });
   * ```
   */
  protected createAdapter(_name: string, ctx: LayerContext<IA3Config>): { entries: { ia3_l: Parameter }; settings: Ia3Settings } {
    const feedforward = isFeedforwardModule(ctx.config.feedforwardModules, ctx.path);
    return { entries: { ia3_l: this.makeVector(feedforward, ctx.config.initIa3Weights, ctx.generator) }, settings: { feedforward } };
  }

  /**
   * Adapter `name`'s parameters by their saved names: `ia3_l`.
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['ia3_l']
   * ```
   */
  adapterState(name: string): Map<string, Parameter> {
    return new Map([['ia3_l', this.vectors.get(name)]]);
  }

  /** Whether adapter `name` scales the layer's input. @example `layer.isFeedforward('default')` */
  isFeedforward(name: string): boolean {
    return this.settingsOf(name).feedforward;
  }

  /**
   * `base(x)` scaled by every active adapter (see the class notes); a disabled or merged layer, and a
   * mixed batch (one adapter per row), take the inherited `AdapterLayer.forward` path, which calls
   * `applyAdapter` once per adapter.
   *
   * @example
   * ```ts
   * const y = layer.forward(x);
   * ```
   */
  override forward(x: Tensor): Tensor {
    const active = this.activeAdapters.filter((n) => this.hasAdapter(n));
    if (this.disabled || this.mergedAdapters.length || currentAdapterRows() || active.length === 0) return super.forward(x);
    return composite(() => this.scaled(active, x));
  }

  /** The layer's output with the given adapters: inputs scaled by the feed-forward vectors, outputs by the others. */
  private scaled(names: readonly string[], x: Tensor): Tensor {
    const product = (ff: boolean, size: number): Tensor | undefined =>
      names
        .filter((n) => this.settings.get(n)?.feedforward === ff)
        .reduce<Tensor | undefined>((acc, n) => {
          const l = reshape(this.vectors.get(n), [size]);
          return acc ? mul(acc, l) : l;
        }, undefined);
    const inScale = product(true, this.inFeatures);
    const outScale = product(false, this.outFeatures);
    const y = this.base.forward(inScale ? mul(x, inScale) : x);
    return outScale ? mul(y, outScale) : y;
  }

  protected applyAdapter(name: string, x: Tensor, baseResult: Tensor): Tensor {
    return this.isFeedforward(name) ? this.scaled([name], x) : mul(baseResult, reshape(this.vectors.get(name), [this.outFeatures]));
  }

  /**
   * Adapter `name`'s vector shaped to scale the base weight in place: rows of `[out, in]` / columns of
   * Conv1D's `[in, out]` for output scaling, the other axis for input scaling.
   *
   * @example
   * ```ts
   * const merged = mul(layer.weight, layer.weightScale('default'));
   * ```
   */
  weightScale(name: string): Tensor {
    const l = this.vectors.get(name);
    if (!this.fanInFanOut) return l; // [out, 1] or [1, in] already fit [out, in]
    return this.isFeedforward(name) ? reshape(l, [this.inFeatures, 1]) : reshape(l, [1, this.outFeatures]);
  }

  /**
   * The change merging adapter `name` makes to the (unmerged) base weight, `W ⊙ l − W`, in the base
   * weight's layout. Merging itself multiplies rather than adds (and also scales the bias for output
   * scaling), so {@link Ia3Linear.mergeAdapter} and {@link Ia3Linear.unmergeAdapter} do not use it.
   *
   * @example
   * ```ts
   * const delta = layer.deltaWeight('default'); // same shape as layer.weight
   * ```
   */
  override deltaWeight(name: string): Tensor {
    return composite(() => sub(mul(this.weight, this.weightScale(name)), this.weight));
  }

  /**
   * Multiplies adapter `name` into the base weight (rows or columns) and, for output scaling, the base
   * bias, as Hugging Face PEFT's merge does.
   *
   * @example
   * ```ts
   * layer.merge(['default']);
   * ```
   */
  override mergeAdapter(name: string): void {
    this.rescale(name, (t, s) => mul(t, s));
  }

  /** Divides adapter `name` back out of the base weight (and bias); see the class notes for zero entries. @example `layer.unmerge()` */
  override unmergeAdapter(name: string): void {
    this.rescale(name, (t, s) => div(t, where(eq(s, 0), UNMERGE_EPS, s)));
  }

  private rescale(name: string, op: (t: Tensor, s: Tensor) => Tensor): void {
    if (!this.hasAdapter(name)) throw new MergeError(`merge: Ia3Linear has no adapter "${name}" (adapters: ${this.adapterNames.join(', ') || 'none'})`);
    const w = this.baseWeight();
    const bias = this.isFeedforward(name) ? null : this.bias;
    noGrad(() =>
      tidy(() => {
        w.assign(cast(op(w, this.weightScale(name)), w.dtype));
        if (bias) bias.assign(op(bias, reshape(this.vectors.get(name), [this.outFeatures])));
      }),
    );
  }

  private makeVector(feedforward: boolean, initOnes: boolean, generator?: Generator): Parameter {
    const w = this.weight;
    const shape = feedforward ? [1, this.inFeatures] : [this.outFeatures, 1];
    const opts = { backend: w.backend, dtype: adapterDType(w.dtype) };
    return new Parameter(initOnes ? ones(shape, opts) : randn(shape, { ...opts, generator }));
  }

  override extraRepr(): string {
    const kinds = this.adapterNames.map((n) => `${n}: ${this.settings.get(n)?.feedforward ? 'input' : 'output'}`).join(', ');
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, ${kinds}`;
  }
}
