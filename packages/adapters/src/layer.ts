import {
  ArgumentError,
  ConfigError,
  LayerNorm,
  Linear,
  type Module,
  ModuleDict,
  type Parameter,
  ShapeError,
  type Tensor,
  dropout,
  fromArray,
  gelu,
  silu,
} from '@peft/core';
import {
  isLinearLike,
  add,
  composite,
  mul,
  relu,
  sigmoid,
  tanh,
  AdapterLayer,
  currentAdapterRows,
  adapterDType,
  type LayerContext,
} from '@peft/core/plugin';
import { type BottleneckActivation, type BottleneckConfig, bottleneckWidth } from './config.js';

const ACTIVATIONS: Readonly<Record<BottleneckActivation, (x: Tensor) => Tensor>> = {
  relu,
  gelu: (x) => gelu(x),
  gelu_new: (x) => gelu(x, 'tanh'),
  silu,
  swish: silu,
  tanh,
  sigmoid,
};

/**
 * The width of the stream a module writes: its `outFeatures` when it is a dense layer, else the
 * `outFeatures` of its last dense submodule (an MLP's down-projection), or undefined when it has none.
 *
 * @example
 * ```ts
 * streamFeatures(gpt2Block.mlp); // n_embd (mlp.c_proj's output)
 * ```
 */
export function streamFeatures(module: Module): number | undefined {
  if (isLinearLike(module)) return module.outFeatures;
  let last: number | undefined;
  for (const [, m] of module.namedModules()) if (isLinearLike(m)) last = m.outFeatures;
  return last;
}

/**
 * How one bottleneck adapter of a layer runs.
 *
 * @example
 * ```ts
 * layer.settingsOf('default').parallel; // true for config 'parallel'
 * ```
 */
export interface BottleneckSettings {
  /** Whether the adapter runs beside the module rather than after it. */
  readonly parallel: boolean;
  /** The factor its output is multiplied by. */
  readonly scaling: number;
  /** Dropout probability on its output in training. */
  readonly dropout: number;
  /** Its non-linearity. */
  readonly act: (x: Tensor) => Tensor;
}

/** A module whose forward takes a second tensor, the residual stream (BERT's `output` blocks). */
interface ResidualOutput {
  forward(x: Tensor, residual: Tensor): Tensor;
}

/**
 * Bottleneck adapters on one module of the base model. Each adapter is
 * `A(h) = dropout(scaling · lnAfter(up(act(down(lnBefore(h))))))` (dropout `adapter_dropout`, in
 * training mode only), with `down` `[features → width]` and `up`
 * `[width → features]` (`adapter_down.<name>`, `adapter_up.<name>`, Linear layers with biases, saved as
 * `adapter_down.weight` …; the optional norms are `adapter_ln_before` / `adapter_ln_after`).
 *
 * - serial (`houlsby`, `pfeiffer`): `y = base(x)`, output `y + A(y)`;
 * - parallel: output `base(x) + A(x)`; when the module is called with a residual as its second input
 *   (`base(x, residual)`, BERT's post-norm `output` block), the adapter reads the residual and its
 *   output joins it: `base(x, residual + A(residual))`.
 *
 * With `init_weights` the up-projection starts at zero, so a new adapter leaves the output unchanged.
 * Several active adapters apply in turn; a mixed batch (`adapterNames`) gives each row its own. The
 * adapters are non-linear, so they cannot be merged into the base weights (merging is a MergeError).
 *
 * @example
 * ```ts
 * const layer = new BottleneckLayer(new Linear(32, 32));
 * layer.addAdapter('default', { adapterName: 'default', config: bottleneckConfig({ bottleneckSize: 4 }), path: 'proj', targetKey: 'proj' });
 * layer.activeAdapters = ['default'];
 * const y = layer.forward(x); // base(x) + A(base(x))
 * ```
 */
export class BottleneckLayer extends AdapterLayer<BottleneckConfig, BottleneckSettings> {
  /** The width of the stream the adapters read and write. */
  readonly features: number;
  private readonly down = this.adapterTable('adapter_down', new ModuleDict<Linear>());
  private readonly up = this.adapterTable('adapter_up', new ModuleDict<Linear>());
  private readonly lnBefore = this.adapterTable('adapter_ln_before', new ModuleDict<LayerNorm>());
  private readonly lnAfter = this.adapterTable('adapter_ln_after', new ModuleDict<LayerNorm>());

  constructor(base: Module) {
    super(base);
    const features = streamFeatures(base);
    if (features === undefined) {
      throw new ConfigError(`adapters: cannot wrap a ${base.constructor.name}: expected a dense layer or a module containing one (the adapter's width is the last one's output size)`);
    }
    this.features = features;
  }

  /**
   * Creates adapter `name` from its config: the projections (up-projection zero with `init_weights`),
   * the optional norms, the placement, activation and scaling.
   *
   * @example
   * ```ts
   * layer.addAdapter('other', { ...ctx, adapterName: 'other' });
   * ```
   */
  protected createAdapter(_name: string, ctx: LayerContext<BottleneckConfig>): { entries: Record<string, Module>; settings: BottleneckSettings } {
    const c = ctx.config;
    const width = bottleneckWidth(c, this.features);
    const anyParam = this.baseLayer.parameters().next().value as Parameter | undefined;
    const opts = { backend: anyParam?.backend, dtype: anyParam ? adapterDType(anyParam.dtype) : undefined, generator: ctx.generator };
    const entries: Record<string, Module> = {
      adapter_down: new Linear(this.features, width, opts),
      adapter_up: new Linear(width, this.features, { ...opts, skipInit: c.initWeights }),
    };
    if (c.lnBefore) entries.adapter_ln_before = new LayerNorm([this.features], opts);
    if (c.lnAfter) entries.adapter_ln_after = new LayerNorm([this.features], opts);
    return { entries, settings: { parallel: c.config === 'parallel', scaling: c.scaling, dropout: c.adapterDropout, act: ACTIVATIONS[c.nonLinearity] } };
  }

  /**
   * Adapter `name`'s parameters by their saved names: `adapter_down.weight`, `adapter_down.bias`,
   * `adapter_up.weight`, `adapter_up.bias`, and `adapter_ln_before.*` / `adapter_ln_after.*` when used.
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['adapter_down.weight', 'adapter_down.bias', 'adapter_up.weight', 'adapter_up.bias']
   * ```
   */
  adapterState(name: string): Map<string, Parameter> {
    const out = new Map<string, Parameter>();
    const dicts: [string, ModuleDict][] = [
      ['adapter_down', this.down],
      ['adapter_up', this.up],
      ['adapter_ln_before', this.lnBefore],
      ['adapter_ln_after', this.lnAfter],
    ];
    for (const [key, dict] of dicts) {
      if (!dict.has(name)) continue;
      for (const [p, param] of dict.get(name).namedParameters()) out.set(`${key}.${p}`, param);
    }
    return out;
  }

  /** Whether adapter `name` runs beside the module (parallel) rather than after it. @example `layer.isParallel('default')` */
  isParallel(name: string): boolean {
    return this.settingsOf(name).parallel;
  }

  /**
   * The adapter's own output `A(h)` for a stream `h` of width {@link BottleneckLayer.features}.
   *
   * @example
   * ```ts
   * const a = layer.bottleneck('default', h); // same shape as h
   * ```
   */
  bottleneck(name: string, h: Tensor): Tensor {
    const { scaling, act, dropout: p } = this.settingsOf(name);
    if (h.shape[h.rank - 1] !== this.features) {
      throw new ShapeError(`BottleneckLayer: adapter "${name}" reads a stream of ${this.features} features, got an input of shape [${h.shape.join(', ')}]`);
    }
    return composite(() => {
      const normed = this.lnBefore.has(name) ? this.lnBefore.get(name).forward(h) : h;
      let a = this.up.get(name).forward(act(this.down.get(name).forward(normed)));
      if (this.lnAfter.has(name)) a = this.lnAfter.get(name).forward(a);
      if (scaling !== 1) a = mul(a, scaling);
      return p > 0 && this.training ? dropout(a, p, { training: true }) : a;
    });
  }

  /**
   * `base(x)` with the active adapters (see the class notes); `residual` is passed on to modules that
   * take one (BERT's `output` blocks), where parallel adapters add to it.
   *
   * @example
   * ```ts
   * const y = layer.forward(x);
   * const z = bertOutputLayer.forward(intermediate, residual);
   * ```
   */
  override forward(x: Tensor, residual?: Tensor): Tensor {
    if (residual === undefined) return super.forward(x);
    const base = this.baseLayer as unknown as ResidualOutput;
    const rows = currentAdapterRows();
    const names = rows ? this.adapterNames : this.activeAdapters.filter((n) => this.hasAdapter(n));
    if (this.disabled || names.length === 0) return base.forward(x, residual);
    return composite(() => {
      const gated = (n: string, a: Tensor): Tensor => (rows ? mul(a, this.rowMask(rows, n, a)) : a);
      let r = residual;
      for (const n of names) if (this.isParallel(n)) r = add(r, gated(n, this.bottleneck(n, residual)));
      let y = base.forward(x, r);
      for (const n of names) if (!this.isParallel(n)) y = add(y, gated(n, this.bottleneck(n, y)));
      return y;
    });
  }

  protected applyAdapter(name: string, x: Tensor, baseResult: Tensor): Tensor {
    return add(baseResult, this.bottleneck(name, this.isParallel(name) ? x : baseResult));
  }

  /** 1 on the rows of a mixed batch that use adapter `name`, else 0, shaped to broadcast over `like`. */
  private rowMask(rows: readonly string[], name: string, like: Tensor): Tensor {
    if (like.shape[0] !== rows.length) throw new ArgumentError(`BottleneckLayer: adapterNames has ${rows.length} entries for a batch of ${like.shape[0]} rows`);
    const shape = [rows.length, ...Array<number>(like.rank - 1).fill(1)];
    return fromArray(
      rows.map((r) => (r === name ? 1 : 0)),
      shape,
      { backend: like.backend, dtype: like.dtype },
    );
  }

  override extraRepr(): string {
    return `features=${this.features}, adapters=[${this.adapterNames.join(', ')}]`;
  }
}
