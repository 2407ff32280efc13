import {
  ParameterDict,
  LinearAdapterLayer,
  ArgumentError,
  ConfigError,
  Dropout,
  Identity,
  type LayerContext,
  type Module,
  ModuleDict,
  Parameter,
  type Tensor,
  add,
  full,
  matmul,
  mul,
  randn,
  transpose,
  type UnaryModule,
  isLinearLike,
  zeros,
} from '@peft/core';
import type { AdaLoraConfig } from './config.js';
import { rankMaskOf } from './rank-pattern.js';

/** PEFT adds this to `ranknum` before dividing by it. */
const RANKNUM_EPS = 1e-5;

/**
 * AdaLoRA on a dense layer (`nn.Linear`, GPT-2's `Conv1D`, any `LinearLike` module): the update
 * is kept in SVD form, `ΔW = B·diag(E)·A`, and the output becomes
 * `base(x) + dropout(x)·(A⊙E)ᵀ·Bᵀ · lora_alpha / (ranknum + 1e-5)` for every active adapter.
 *
 * Parameters are named as in Hugging Face PEFT (`SVDLinear`): `lora_A.<adapter>` `[r, in]` (right
 * singular vectors), `lora_E.<adapter>` `[r, 1]` (singular values), `lora_B.<adapter>` `[out, r]`
 * (left singular vectors), none with `.weight`, and `ranknum.<adapter>` `[1]`, which holds `init_r`,
 * never trains and is not saved (it is a parameter so that parameter counts match PEFT's).
 *
 * `r` is `init_r`, or, when the config's `rank_pattern` has an entry for this module (a saved,
 * pruned adapter), the number of ranks it keeps; `ranknum` stays `init_r`, so the scale is the one
 * the adapter was trained with. The rank allocator prunes ranks during training by zeroing entries of
 * `lora_E`; the shapes change only in saved files.
 *
 * @example
 * ```ts
 * const layer = new SvdLinear(new Linear(32, 64));
 * layer.addAdapter('default', { adapterName: 'default', config: adaloraConfig({ initR: 6, totalStep: 100 }), path: 'proj', targetKey: 'proj' });
 * layer.activeAdapters = ['default'];
 * const y = layer.forward(x); // [..., 64]
 * ```
 */
export class SvdLinear extends LinearAdapterLayer<AdaLoraConfig> {
  /** Dropout (or Identity when `lora_dropout` is 0) per adapter, applied to the adapter's input. */
  readonly loraDropout = this.registerModule('lora_dropout', new ModuleDict<UnaryModule>());
  private dictA = this.registerModule('lora_A', new ParameterDict());
  private dictB = this.registerModule('lora_B', new ParameterDict());
  private dictE = this.registerModule('lora_E', new ParameterDict());
  private dictRanknum = this.registerModule('ranknum', new ParameterDict());
  /** Rank per adapter (the rows of `lora_A`). */
  readonly r = new Map<string, number>();
  /** `lora_alpha` per adapter. */
  readonly loraAlpha = new Map<string, number>();
  /** `init_r` per adapter: the `ranknum` the output is divided by. */
  readonly ranknum = new Map<string, number>();

  /** Right singular vectors per adapter (`lora_A.<adapter>`, `[r, in]`). @example `layer.loraA.get('default')` */
  get loraA(): ParameterDict {
    return this.dictA;
  }
  /** Left singular vectors per adapter (`lora_B.<adapter>`, `[out, r]`). @example `layer.loraB.get('default')` */
  get loraB(): ParameterDict {
    return this.dictB;
  }
  /** Singular values per adapter (`lora_E.<adapter>`, `[r, 1]`). @example `layer.loraE.get('default')` */
  get loraE(): ParameterDict {
    return this.dictE;
  }

  /**
   * Creates adapter `name`: with `init_lora_weights` (the default) E is zero and A, B are N(0, 0.02²),
   * so the adapter starts as a no-op; otherwise all three are N(0, 1), as in PEFT.
   *
   * @example
   * ```ts
   * layer.addAdapter('other', { ...ctx, adapterName: 'other' });
   * ```
   */
  addAdapter(name: string, ctx: LayerContext<AdaLoraConfig>): void {
    if (this.hasAdapter(name)) throw new ArgumentError(`SvdLinear.addAdapter: adapter "${name}" already exists on ${ctx.path}`);
    const c = ctx.config;
    const mask = rankMaskOf(c.rankPattern, ctx.path, name);
    const r = mask ? mask.filter(Boolean).length : c.initR;
    const w = this.weight;
    const make = { backend: w.backend, dtype: w.dtype, generator: ctx.generator };
    const std = c.initLoraWeights ? 0.02 : 1;
    const a = randn([r, this.inFeatures], { ...make, std });
    const e = c.initLoraWeights ? zeros([r, 1], make) : randn([r, 1], make);
    const b = randn([this.outFeatures, r], { ...make, std });
    this.loraDropout.set(name, c.loraDropout > 0 ? new Dropout(c.loraDropout, { generator: ctx.generator }) : new Identity());
    this.dictA.set(name, new Parameter(a));
    this.dictE.set(name, new Parameter(e));
    this.dictB.set(name, new Parameter(b));
    this.dictRanknum.set(name, new Parameter(full([1], c.initR, make), { requiresGrad: false }));
    this.r.set(name, r);
    this.loraAlpha.set(name, c.loraAlpha);
    this.ranknum.set(name, c.initR);
    this.adapterNames.push(name);
  }

  /** Frees adapter `name`'s parameters. @example `layer.removeAdapter('other')` */
  removeAdapter(name: string): void {
    const dicts = [this.dictA, this.dictB, this.dictE, this.dictRanknum];
    const dropped = dicts.filter((d) => d.has(name)).map((d) => d.get(name));
    // parameters cannot be unregistered: rebuild the dicts without the adapter, in the same order
    for (const key of ['lora_A', 'lora_B', 'lora_E', 'ranknum']) this.removeChild(key);
    this.dictA = this.registerModule('lora_A', this.dictA.without(name));
    this.dictB = this.registerModule('lora_B', this.dictB.without(name));
    this.dictE = this.registerModule('lora_E', this.dictE.without(name));
    this.dictRanknum = this.registerModule('ranknum', this.dictRanknum.without(name));
    for (const p of dropped) p.dispose();
    this.loraDropout.delete(name);
    for (const m of [this.r, this.loraAlpha, this.ranknum]) m.delete(name);
  }

  /**
   * Adapter `name`'s parameters by their saved names: `lora_A`, `lora_B`, `lora_E` (`ranknum` is not
   * saved).
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['lora_A', 'lora_B', 'lora_E']
   * ```
   */
  adapterState(name: string): Map<string, Parameter> {
    return new Map([
      ['lora_A', this.dictA.get(name)],
      ['lora_B', this.dictB.get(name)],
      ['lora_E', this.dictE.get(name)],
    ]);
  }

  /**
   * The factor the adapter's product is multiplied by: `lora_alpha / (ranknum + 1e-5)`; with
   * `lora_alpha` 0, PEFT uses the module's rank `r` instead of alpha.
   *
   * @example
   * ```ts
   * layer.scalingOf('default'); // 8 / 6.00001 for lora_alpha 8, init_r 6
   * ```
   */
  scalingOf(name: string): number {
    const alpha = this.loraAlpha.get(name);
    if (alpha === undefined) throw new ArgumentError(`SvdLinear: no adapter "${name}" (adapters: ${this.adapterNames.join(', ') || 'none'})`);
    const ranknum = this.ranknum.get(name)!;
    const scaling = alpha > 0 ? alpha : this.r.get(name)!;
    // PEFT keeps ranknum as a float32 parameter and adds 1e-5 in float32
    return scaling / Math.fround(Math.fround(ranknum) + Math.fround(RANKNUM_EPS));
  }

  /** Adapter `name`'s dropout module. @example `layer.dropoutOf('default')` */
  dropoutOf(name: string): UnaryModule {
    return this.loraDropout.get(name);
  }

  /** `A⊙E` (each right singular vector times its singular value), `[r, in]`. @example `layer.scaledA('default')` */
  scaledA(name: string): Tensor {
    return mul(this.dictA.get(name), this.dictE.get(name));
  }

  /**
   * `B·(A⊙E) · scaling` in the base weight's layout (`[out, in]`, or `[in, out]` for Conv1D).
   *
   * @example
   * ```ts
   * const delta = layer.deltaWeight('default');
   * ```
   */
  override deltaWeight(name: string): Tensor {
    const d = mul(matmul(this.dictB.get(name), this.scaledA(name)), this.scalingOf(name));
    return this.inBaseLayout(d);
  }

  protected applyAdapter(name: string, x: Tensor, result: Tensor): Tensor {
    if (this.r.get(name) === 0) return result;
    const h = matmul(matmul(this.dropoutOf(name).forward(x), transpose(this.scaledA(name))), transpose(this.dictB.get(name)));
    return add(result, mul(h, this.scalingOf(name)));
  }

  override extraRepr(): string {
    const ranks = this.adapterNames.map((n) => `${n}: r=${this.r.get(n)}`).join(', ');
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, ${ranks}`;
  }
}

/**
 * Wraps a dense layer in a new {@link SvdLinear} holding adapter `ctx.adapterName`.
 *
 * @example
 * ```ts
 * const layer = createSvdLayer(new Linear(32, 64), ctx);
 * ```
 */
export function createSvdLayer(base: Module, ctx: LayerContext<AdaLoraConfig>): SvdLinear {
  if (!isLinearLike(base)) throw new ConfigError(`adalora: cannot wrap ${ctx.path}, a ${base.constructor.name} (AdaLoRA supports Linear and Conv1D layers)`);
  const layer = new SvdLinear(base);
  layer.addAdapter(ctx.adapterName, ctx);
  return layer;
}
