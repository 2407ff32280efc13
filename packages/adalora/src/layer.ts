import {
  ParameterDict,
  ConfigError,
  Dropout,
  Identity,
  type Module,
  ModuleDict,
  Parameter,
  type Tensor,
  full,
  randn,
  zeros,
} from '@peft/core';
import { isLinearLike, add, matmul, mul, transpose, type UnaryModule, LinearAdapterLayer, type LayerContext, adapterDType } from '@peft/core/plugin';
import type { AdaLoraConfig } from './config.js';
import { rankMaskOf } from './rank-pattern.js';

/** PEFT adds this to `ranknum` before dividing by it. */
const RANKNUM_EPS = 1e-5;

/**
 * What one AdaLoRA adapter of a layer keeps besides its parameters.
 *
 * @example
 * ```ts
 * layer.settingsOf('default').r; // the rows of lora_A
 * ```
 */
export interface SvdSettings {
  /** The rank (the rows of `lora_A`). */
  readonly r: number;
  /** `lora_alpha`. */
  readonly loraAlpha: number;
  /** `init_r`: the `ranknum` the output is divided by. */
  readonly ranknum: number;
}

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
export class SvdLinear extends LinearAdapterLayer<AdaLoraConfig, SvdSettings> {
  /** Dropout (or Identity when `lora_dropout` is 0) per adapter, applied to the adapter's input. */
  readonly loraDropout = this.adapterTable('lora_dropout', new ModuleDict<UnaryModule>());
  private readonly dictA = this.adapterTable('lora_A', new ParameterDict());
  private readonly dictB = this.adapterTable('lora_B', new ParameterDict());
  private readonly dictE = this.adapterTable('lora_E', new ParameterDict());
  private readonly dictRanknum = this.adapterTable('ranknum', new ParameterDict());

  /** Rank per adapter (the rows of `lora_A`). @example `layer.r.get('default')` */
  get r(): ReadonlyMap<string, number> {
    return new Map([...this.settings].map(([n, s]) => [n, s.r]));
  }
  /** `lora_alpha` per adapter. @example `layer.loraAlpha.get('default')` */
  get loraAlpha(): ReadonlyMap<string, number> {
    return new Map([...this.settings].map(([n, s]) => [n, s.loraAlpha]));
  }
  /** `init_r` per adapter: the `ranknum` the output is divided by. @example `layer.ranknum.get('default')` */
  get ranknum(): ReadonlyMap<string, number> {
    return new Map([...this.settings].map(([n, s]) => [n, s.ranknum]));
  }

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
  protected createAdapter(name: string, ctx: LayerContext<AdaLoraConfig>): { entries: Record<string, Parameter | UnaryModule>; settings: SvdSettings } {
    const c = ctx.config;
    const mask = rankMaskOf(c.rankPattern, ctx.path, name);
    const r = mask ? mask.filter(Boolean).length : c.initR;
    const w = this.weight;
    const make = { backend: w.backend, dtype: adapterDType(w.dtype), generator: ctx.generator };
    const std = c.initLoraWeights ? 0.02 : 1;
    const a = randn([r, this.inFeatures], { ...make, std });
    const e = c.initLoraWeights ? zeros([r, 1], make) : randn([r, 1], make);
    const b = randn([this.outFeatures, r], { ...make, std });
    const entries = {
      lora_dropout: c.loraDropout > 0 ? new Dropout(c.loraDropout, { generator: ctx.generator }) : new Identity(),
      lora_A: new Parameter(a),
      lora_E: new Parameter(e),
      lora_B: new Parameter(b),
      ranknum: new Parameter(full([1], c.initR, make), { requiresGrad: false }),
    };
    return { entries, settings: { r, loraAlpha: c.loraAlpha, ranknum: c.initR } };
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
    const { loraAlpha: alpha, ranknum, r } = this.settingsOf(name);
    const scaling = alpha > 0 ? alpha : r;
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
    if (this.settingsOf(name).r === 0) return result;
    const h = matmul(matmul(this.dropoutOf(name).forward(x), transpose(this.scaledA(name))), transpose(this.dictB.get(name)));
    return add(result, mul(h, this.scalingOf(name)));
  }

  override extraRepr(): string {
    const ranks = this.adapterNames.map((n) => `${n}: r=${this.settings.get(n)?.r}`).join(', ');
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
