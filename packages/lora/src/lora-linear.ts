import {
  ConfigError,
  Dropout,
  Identity,
  type Linear,
  type Module,
  MergeError,
  ModuleDict,
  type Parameter,
  type Tensor,
  fromArray,
  noGrad,
  tidy,
} from '@peft/core';
import { add, matmul, mul, reshape, type UnaryModule, LinearAdapterLayer, type LayerContext, adapterDType } from '@peft/core/plugin';
import type { LoraConfig } from './config.js';
import { type DoraLinearLayer, DoraLinearVariant, type DoraMagnitude } from './dora.js';
import { type InitLoraWeights, usesBaseWeight } from './init-lora-weights.js';
import { baseWeightFactors, makeLoraPair, transposeHost } from './lora-init.js';
import type { LoraSettings } from './lora-variant.js';
import { loraScaling } from './scaling.js';

/**
 * LoRA on a dense layer (`nn.Linear`, GPT-2's `Conv1D`, or any `LinearLike` module): the
 * output becomes `base(x) + B·A·dropout(x) · scaling` for every active adapter, with
 * `scaling = lora_alpha / r` (rsLoRA: `lora_alpha / √r`). `ΔW` is never formed in the forward.
 *
 * Parameter names match Hugging Face PEFT: `lora_A.<adapter>.weight` `[r, in]`,
 * `lora_B.<adapter>.weight` `[out, r]` (and `lora_B.<adapter>.bias` with `lora_bias`), and with DoRA
 * `lora_magnitude_vector.<adapter>.weight` `[out]`. The wrapped module stays reachable as
 * `base_layer`, and the layer still reads like it (`inFeatures`, `outFeatures`, `weight`, `bias`,
 * `fanInFanOut`) for model code.
 *
 * PiSSA and OLoRA need the base weight on the host: after `addAdapter`, {@link LoraLinear.initializeAdapter}
 * must be awaited (`PeftModel.addAdapter` does it); until then A and B keep `nn.Linear`'s default values
 * and the base weight is unchanged.
 *
 * @example
 * ```ts
 * const layer = new LoraLinear(new Linear(32, 64));
 * layer.addAdapter('default', { adapterName: 'default', config: loraConfig({ r: 4 }), path: 'proj', targetKey: 'proj' });
 * layer.activeAdapters = ['default'];
 * const y = layer.forward(x); // [..., 64]
 * ```
 */
export class LoraLinear extends LinearAdapterLayer<LoraConfig, LoraSettings<LoraLinear>> implements DoraLinearLayer {
  /** Dropout (or Identity when `lora_dropout` is 0) per adapter, applied to the adapter's input. */
  readonly loraDropout = this.adapterTable('lora_dropout', new ModuleDict<UnaryModule>());
  /** `in → r` per adapter. */
  readonly loraA = this.adapterTable('lora_A', new ModuleDict<Linear>());
  /** `r → out` per adapter. */
  readonly loraB = this.adapterTable('lora_B', new ModuleDict<Linear>());
  /** DoRA magnitudes per adapter (only adapters with `use_dora`). */
  readonly loraMagnitudeVector = this.adapterTable('lora_magnitude_vector', new ModuleDict<DoraMagnitude>());
  private readonly pending = new Map<string, InitLoraWeights>();

  /** Same as {@link LoraLinear.fanInFanOut}: DoRA's rows are the transposed base weight. */
  get baseTransposed(): boolean {
    return this.base.fanInFanOut;
  }

  /**
   * Creates adapter `name` (rank and alpha from `ctx.rank` / `ctx.alpha` when a pattern matched).
   *
   * @example
   * ```ts
   * layer.addAdapter('other', { ...ctx, adapterName: 'other', config: loraConfig({ r: 8 }) });
   * ```
   */
  protected createAdapter(_name: string, ctx: LayerContext<LoraConfig>): { entries: Record<string, Module>; settings: LoraSettings<LoraLinear> } {
    const c = ctx.config;
    const r = ctx.rank ?? c.r;
    const alpha = ctx.alpha ?? c.loraAlpha;
    if (!Number.isInteger(r) || r < 1) throw new ConfigError(`lora: r must be a positive integer, got ${r} for ${ctx.path}`);
    const w = this.weight;
    const make = { backend: w.backend, dtype: adapterDType(w.dtype), generator: ctx.generator };
    const { a, b } = makeLoraPair(this.inFeatures, this.outFeatures, r, c.initLoraWeights, c.loraBias, make);
    const dropout = c.loraDropout > 0 ? new Dropout(c.loraDropout, { generator: ctx.generator }) : new Identity();
    const variant = c.useDora ? new DoraLinearVariant() : undefined;
    return { entries: { lora_dropout: dropout, lora_A: a, lora_B: b }, settings: { r, loraAlpha: alpha, scaling: loraScaling(alpha, r, c.useRslora), loraBias: c.loraBias, variant } };
  }

  /** Notes a pending PiSSA / OLoRA initialisation and creates the DoRA magnitudes from A and B. */
  protected override adapterAdded(name: string, ctx: LayerContext<LoraConfig>): void {
    if (usesBaseWeight(ctx.config.initLoraWeights)) this.pending.set(name, ctx.config.initLoraWeights);
    this.settingsOf(name).variant?.init(this, name);
  }

  /** Frees the variant's own state (DoRA's merge-time norms) and forgets a pending initialisation. */
  protected override adapterDeleted(name: string): void {
    this.settingsOf(name).variant?.remove(this, name);
    this.pending.delete(name);
  }

  /**
   * Runs the base-weight-based initialisation of adapter `name` (PiSSA, OLoRA): A and B from an SVD /
   * QR of the base weight, and the base weight replaced by `W − scaling·B·A`, so the layer's output
   * is unchanged. DoRA magnitudes are recomputed afterwards. A no-op for other adapters.
   *
   * @example
   * ```ts
   * layer.addAdapter('default', ctx); // ctx.config.initLoraWeights === 'pissa'
   * await layer.initializeAdapter('default');
   * ```
   */
  override async initializeAdapter(name: string): Promise<void> {
    const init = this.pending.get(name);
    if (init === undefined) return;
    const w = this.weight;
    const [rows, cols] = [this.outFeatures, this.inFeatures];
    const stored = Float64Array.from(await w.data());
    const { r, scaling: s } = this.settingsOf(name);
    const f = baseWeightFactors(init, this.fanInFanOut ? transposeHost(stored, cols, rows) : stored, rows, cols, r, s);
    const residual = this.fanInFanOut ? transposeHost(f.residual, rows, cols) : f.residual;
    const make = { backend: w.backend, dtype: adapterDType(w.dtype) };
    const a = this.loraA.get(name).weight;
    const b = this.loraB.get(name).weight;
    noGrad(() =>
      tidy(() => {
        a.assign(fromArray(f.a, [r, cols], make));
        b.assign(fromArray(f.b, [rows, r], make));
        w.assign(fromArray(residual, w.shape, { backend: w.backend, dtype: w.dtype }));
      }),
    );
    this.pending.delete(name);
    this.settingsOf(name).variant?.init(this, name);
  }

  /** Whether adapter `name` still waits for {@link LoraLinear.initializeAdapter} (PiSSA / OLoRA). @example `layer.needsInitialization('default')` */
  needsInitialization(name: string): boolean {
    return this.pending.has(name);
  }

  /**
   * Adapter `name`'s parameters by their saved names: `lora_A.weight`, `lora_B.weight`
   * (`lora_B.bias`), `lora_magnitude_vector`.
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['lora_A.weight', 'lora_B.weight']
   * ```
   */
  adapterState(name: string): Map<string, Parameter> {
    const b = this.loraB.get(name);
    const out = new Map<string, Parameter>([
      ['lora_A.weight', this.loraA.get(name).weight],
      ['lora_B.weight', b.weight],
    ]);
    if (b.bias) out.set('lora_B.bias', b.bias);
    for (const [k, p] of this.settingsOf(name).variant?.state(this, name) ?? []) out.set(k, p);
    return out;
  }

  /** Adapter `name`'s scaling. @example `layer.scalingOf('default') // alpha / r` */
  scalingOf(name: string): number {
    return this.settingsOf(name).scaling;
  }

  /** Adapter `name`'s dropout module. @example `layer.dropoutOf('default')` */
  dropoutOf(name: string): UnaryModule {
    return this.loraDropout.get(name);
  }

  /** `B·A` without scaling, `[out, in]`. @example `layer.loraProduct('default').shape` */
  loraProduct(name: string): Tensor {
    return matmul(this.loraB.get(name).weight, this.loraA.get(name).weight);
  }

  /**
   * `scaling·B·A` in the base weight's layout (`[out, in]`, or `[in, out]` for Conv1D).
   *
   * @example
   * ```ts
   * const delta = layer.deltaWeight('default');
   * ```
   */
  override deltaWeight(name: string): Tensor {
    const d = mul(this.loraProduct(name), this.scalingOf(name));
    return this.inBaseLayout(d);
  }

  protected applyAdapter(name: string, x: Tensor, result: Tensor): Tensor {
    const variant = this.settingsOf(name).variant;
    if (variant) return variant.forward(this, name, x, result);
    // rows flattened to one matrix: the adapter's weight gradients are then one product each (no
    // per-batch products summed afterwards); without a lora_B bias the scaling multiplies the
    // rank-r activations rather than the output (r/out of the work; exact for a power-of-two scaling)
    const rows = x.rank > 2 ? reshape(x, [-1, x.shape[x.rank - 1]]) : x;
    const B = this.loraB.get(name);
    const s = this.scalingOf(name);
    const down = this.loraA.get(name).forward(this.dropoutOf(name).forward(rows));
    const h = B.bias ? mul(B.forward(down), s) : B.forward(mul(down, s));
    return add(result, h.rank === result.rank ? h : reshape(h, result.shape));
  }

  /**
   * Merges adapter `name` into the base weight (DoRA: the rescaled weight) and, with `lora_bias`,
   * `scaling·lora_B.bias` into the base bias.
   *
   * @example
   * ```ts
   * layer.merge(['default']);
   * ```
   */
  override mergeAdapter(name: string): void {
    const variant = this.settingsOf(name).variant;
    if (variant) variant.merge(this, name);
    else super.mergeAdapter(name);
    this.shiftBias(name, 1);
  }

  /** Takes adapter `name` back out of the base weight (and bias). @example `layer.unmerge()` */
  override unmergeAdapter(name: string): void {
    const variant = this.settingsOf(name).variant;
    if (variant) variant.unmerge(this, name);
    else super.unmergeAdapter(name);
    this.shiftBias(name, -1);
  }

  private shiftBias(name: string, sign: 1 | -1): void {
    const lb = this.loraB.get(name).bias;
    if (!this.settingsOf(name).loraBias || !lb) return;
    const bias = this.bias;
    if (!bias) throw new MergeError(`merge: adapter "${name}" has lora_bias but the base layer has no bias`);
    const s = this.scalingOf(name) * sign;
    noGrad(() => tidy(() => void bias.assign(add(bias, mul(lb, s)))));
  }

  override extraRepr(): string {
    const ranks = this.adapterNames.map((n) => `${n}: r=${this.settings.get(n)?.r}`).join(', ');
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, ${ranks}`;
  }
}
