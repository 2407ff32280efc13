import { ones } from '../ops/creation.js';
import { rmsNorm } from '../ops/normalization.js';
import type { Tensor } from '../tensor.js';
import { type LayerOptions, checkSize } from './layer-options.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * Root-mean-square normalisation over the last axis, LLaMA style: `x / sqrt(mean(x²) + eps) · weight`,
 * weight ones, `eps` 1e-6 by default.
 *
 * @example
 * ```ts
 * const norm = new RMSNorm(4096, { eps: 1e-5 });
 * const y = norm.forward(h);
 * ```
 */
export class RMSNorm extends Module {
  readonly weight: Parameter;
  readonly eps: number;

  constructor(
    readonly hiddenSize: number,
    opts?: Omit<LayerOptions, 'generator' | 'skipInit'> & { eps?: number },
  ) {
    super();
    checkSize('RMSNorm', 'hiddenSize', hiddenSize);
    this.eps = opts?.eps ?? 1e-6;
    this.weight = this.registerParameter('weight', new Parameter(ones([hiddenSize], { dtype: opts?.dtype, backend: opts?.backend })));
  }

  /** Normalises the last axis. @example `norm.forward(h)` */
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }

  override extraRepr(): string {
    return `(${this.hiddenSize},), eps=${this.eps}`;
  }
}
