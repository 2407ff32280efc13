import { ShapeError, fmtShape } from '../errors.js';
import { randn, zeros } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { composite } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { type LayerOptions, checkSize } from './layer-options.js';
import type { LinearLike } from './linear-like.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * GPT-2's `Conv1D` from Hugging Face transformers: a dense layer whose weight is stored transposed,
 * `[nx, nf]` = `[in, out]` (PEFT's `fan_in_fan_out`), with bias `[nf]`; `y = x·W + b`. The arguments
 * keep transformers' order, `(nf, nx)` = (out, in). Initialised as transformers does: weight
 * N(0, 0.02), bias zeros.
 *
 * @example
 * ```ts
 * const cAttn = new Conv1D(3 * 768, 768); // weight [768, 2304]
 * const qkv = cAttn.forward(h);           // [..., 768] -> [..., 2304]
 * ```
 */
export class Conv1D extends Module implements LinearLike {
  readonly weight: Parameter;
  readonly bias: Parameter;
  /** The weight is stored `[in, out]`. */
  readonly fanInFanOut = true;
  /** Output features (transformers' `nf`). */
  readonly outFeatures: number;
  /** Input features (transformers' `nx`). */
  readonly inFeatures: number;

  constructor(nf: number, nx: number, opts?: LayerOptions) {
    super();
    checkSize('Conv1D', 'nf', nf);
    checkSize('Conv1D', 'nx', nx);
    this.outFeatures = nf;
    this.inFeatures = nx;
    const make = { dtype: opts?.dtype, backend: opts?.backend, generator: opts?.generator };
    const w = opts?.skipInit ? zeros([nx, nf], make) : randn([nx, nf], { ...make, std: 0.02 });
    this.weight = this.registerParameter('weight', new Parameter(w));
    this.bias = this.registerParameter('bias', new Parameter(zeros([nf], make)));
  }

  /** `x·W + b` over the last axis. @example `cAttn.forward(h)` */
  forward(x: Tensor): Tensor {
    if (x.rank < 1 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(`Conv1D: expected input [..., ${this.inFeatures}] for weight ${fmtShape(this.weight.shape)}, got ${fmtShape(x.shape)}`);
    }
    return composite(() => add(matmul(x, this.weight), this.bias));
  }

  override extraRepr(): string {
    return `nf=${this.outFeatures}, nx=${this.inFeatures}`;
  }
}
