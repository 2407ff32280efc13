import { ShapeError } from '../errors.js';
import { kaimingUniform, uniform, zeros } from '../ops/creation.js';
import { linear } from '../ops/matmul.js';
import type { Tensor } from '../tensor.js';
import { type LayerOptions, checkSize } from './layer-options.js';
import type { LinearLike } from './linear-like.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * A dense layer `y = x·Wᵀ + b` with weight `[outFeatures, inFeatures]` and bias `[outFeatures]`,
 * initialised as `torch.nn.Linear`: both drawn from U(−1/√in, 1/√in) (the weight through Kaiming
 * uniform with a = √5).
 *
 * @example
 * ```ts
 * const proj = new Linear(768, 3072);
 * const y = proj.forward(x); // [..., 768] -> [..., 3072]
 * const lmHead = new Linear(768, 50257, { bias: false, sharedWeight: wte.weight }); // tied to the embedding
 * ```
 */
export class Linear extends Module implements LinearLike {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  /** The weight is stored `[out, in]`. */
  readonly fanInFanOut = false;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts?: LayerOptions & {
      bias?: boolean;
      /** Use this existing `[out, in]` parameter as the weight (tied weights, e.g. an LM head sharing the embedding table). */
      sharedWeight?: Parameter;
    },
  ) {
    super();
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
    const make = { dtype: opts?.dtype, backend: opts?.backend, generator: opts?.generator };
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    const shared = opts?.sharedWeight;
    if (shared && (shared.rank !== 2 || shared.shape[0] !== outFeatures || shared.shape[1] !== inFeatures)) {
      throw new ShapeError(`Linear: expected a shared weight of shape [${outFeatures}, ${inFeatures}], got [${shared.shape.join(', ')}]`);
    }
    const w = shared ?? (opts?.skipInit ? zeros([outFeatures, inFeatures], make) : kaimingUniform([outFeatures, inFeatures], { ...make, a: Math.sqrt(5) }));
    this.weight = this.registerParameter('weight', shared ?? new Parameter(w));
    this.bias = null;
    if (opts?.bias ?? true) {
      const b = opts?.skipInit ? zeros([outFeatures], make) : uniform([outFeatures], { ...make, low: -bound, high: bound });
      this.bias = this.registerParameter('bias', new Parameter(b));
    }
  }

  /** `x·Wᵀ + b` over the last axis. @example `proj.forward(x)` */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
