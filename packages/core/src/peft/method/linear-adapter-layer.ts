import { ArgumentError } from '../../errors.js';
import { contiguous } from '../../ops/elementwise.js';
import { transpose } from '../../ops/views.js';
import type { Tensor } from '../../tensor.js';
import { type LinearLike, isLinearLike } from '../../nn/linear-like.js';
import type { Module } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import { AdapterLayer } from './adapter-layer.js';
import type { PeftConfig } from './config-schema.js';

/**
 * An {@link AdapterLayer} around a dense layer (`nn.Linear`, GPT-2's `Conv1D`, or any other
 * {@link LinearLike} module). It reads like the layer it wraps: `inFeatures`, `outFeatures`, `weight`,
 * `bias` and `fanInFanOut` are the base layer's own, so model code that reads those fields (a fused
 * QKV split, a tied head, an adapter method sizing its factors) keeps working once a module is wrapped.
 *
 * Methods that adapt dense layers (LoRA, LoHa, LoKr, (IA)³, AdaLoRA) extend this class and add only
 * their own parameters and maths. The constructor refuses a base module that is not dense, naming the
 * subclass and the module it got. `base` gives subclasses the wrapped module typed as a dense layer,
 * and `inBaseLayout` turns an `[out, in]` weight change into the base weight's own layout.
 *
 * @example
 * ```ts
 * class ScaleLinear extends LinearAdapterLayer<ScaleConfig, { init: number }> {
 *   private readonly s = this.adapterTable('scale', new ParameterDict());
 *   protected createAdapter() { return { entries: { scale: new Parameter(zeros([this.outFeatures])) }, settings: { init: 0 } }; }
 *   adapterState(name: string) { return new Map([['scale', this.s.get(name)]]); }
 *   protected applyAdapter(name: string, x: Tensor, y: Tensor) { return add(y, mul(y, this.s.get(name))); }
 * }
 * const layer = new ScaleLinear(new Conv1D(64, 32));
 * layer.inFeatures;  // 32, the Conv1D's
 * layer.fanInFanOut; // true
 * ```
 */
export abstract class LinearAdapterLayer<C extends PeftConfig = PeftConfig, S = unknown> extends AdapterLayer<C, S> implements LinearLike {
  /**
   * Wraps `base`, which must be a dense layer (see `isLinearLike`).
   *
   * @throws ArgumentError when `base` lacks one of the {@link LinearLike} fields.
   * @example
   * ```ts
   * const layer = new LoraLinear(new Linear(32, 64)); // a subclass; `new LoraLinear(new Embedding(10, 8))` throws
   * ```
   */
  constructor(base: Module & LinearLike) {
    if (!isLinearLike(base)) {
      const got = (base as unknown as object | null)?.constructor?.name ?? String(base);
      throw new ArgumentError(
        `${new.target.name}: expected a dense base layer (Linear, Conv1D or a module with inFeatures, outFeatures, weight, bias and fanInFanOut), got ${got}`,
      );
    }
    super(base);
  }

  /** The wrapped module, typed as the dense layer it is. @example `this.base.forward(x)` */
  protected get base(): Module & LinearLike & { forward(x: Tensor): Tensor } {
    return this.baseLayer as Module & LinearLike & { forward(x: Tensor): Tensor };
  }

  /** The base layer's input size. @example `layer.inFeatures // 32 for new Linear(32, 64)` */
  get inFeatures(): number {
    return this.base.inFeatures;
  }

  /** The base layer's output size. @example `layer.outFeatures // 64 for new Linear(32, 64)` */
  get outFeatures(): number {
    return this.base.outFeatures;
  }

  /** The base layer's weight (`[out, in]`, or `[in, out]` for Conv1D). @example `layer.weight.shape` */
  get weight(): Parameter {
    return this.base.weight;
  }

  /** The base layer's bias (null if it has none). @example `layer.bias?.shape // [out]` */
  get bias(): Parameter | null {
    return this.base.bias;
  }

  /** Whether the base weight is stored `[in, out]` (GPT-2's Conv1D). @example `layer.fanInFanOut` */
  get fanInFanOut(): boolean {
    return this.base.fanInFanOut;
  }

  /**
   * A weight change computed as `[out, in]` (how the methods describe their updates), in the base
   * weight's layout: unchanged for a Linear, transposed (and made contiguous) for a Conv1D.
   *
   * @example
   * ```ts
   * override deltaWeight(name: string): Tensor {
   *   return this.inBaseLayout(mul(matmul(b, a), scaling)); // [out, in] → the layout of this.weight
   * }
   * ```
   */
  protected inBaseLayout(delta: Tensor): Tensor {
    return this.fanInFanOut ? contiguous(transpose(delta)) : delta;
  }
}
