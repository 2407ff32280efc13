import { ones, zeros } from '../ops/creation.js';
import { layerNorm } from '../ops/normalization.js';
import type { Tensor } from '../tensor.js';
import { type LayerOptions, checkSize } from './layer-options.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * Layer normalisation over the trailing `normalizedShape` axes, as `torch.nn.LayerNorm`: weight ones,
 * bias zeros, population variance, `eps` 1e-5 by default.
 *
 * @example
 * ```ts
 * const ln = new LayerNorm(768, { eps: 1e-5 });
 * const y = ln.forward(h);
 * ```
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly weight: Parameter | null = null;
  readonly bias: Parameter | null = null;
  readonly eps: number;

  constructor(
    normalizedShape: number | readonly number[],
    opts?: Omit<LayerOptions, 'generator'> & { eps?: number; elementwiseAffine?: boolean; bias?: boolean },
  ) {
    super();
    this.normalizedShape = Object.freeze(typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape]);
    for (const d of this.normalizedShape) checkSize('LayerNorm', 'normalizedShape', d);
    this.eps = opts?.eps ?? 1e-5;
    const make = { dtype: opts?.dtype, backend: opts?.backend };
    if (opts?.elementwiseAffine ?? true) {
      this.weight = this.registerParameter('weight', new Parameter(ones(this.normalizedShape, make)));
      if (opts?.bias ?? true) this.bias = this.registerParameter('bias', new Parameter(zeros(this.normalizedShape, make)));
    }
  }

  /** Normalises the trailing axes. @example `ln.forward(h)` */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps, this.normalizedShape.length);
  }

  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}), eps=${this.eps}, elementwise_affine=${this.weight !== null}`;
  }
}
