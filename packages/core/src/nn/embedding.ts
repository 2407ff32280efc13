import { ArgumentError } from '../errors.js';
import { isGradEnabled } from '../autograd/graph.js';
import { fromArray, zeros } from '../ops/creation.js';
import { eq, where } from '../ops/elementwise.js';
import { embedding } from '../ops/indexing.js';
import { unsqueeze } from '../ops/views.js';
import { defaultGenerator } from '../random.js';
import { composite } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { type LayerOptions, checkSize } from './layer-options.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * A lookup table `[numEmbeddings, embeddingDim]`, initialised N(0, 1) as `torch.nn.Embedding`. With
 * `paddingIdx`, that row starts at zero and receives no gradient (a negative index counts from the
 * end).
 *
 * @example
 * ```ts
 * const wte = new Embedding(50257, 768);
 * const h = wte.forward(ids); // i32 [b, s] -> [b, s, 768]
 * ```
 */
export class Embedding extends Module {
  readonly weight: Parameter;
  /** The row that stays fixed, or null. */
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts?: LayerOptions & { paddingIdx?: number | null },
  ) {
    super();
    checkSize('Embedding', 'numEmbeddings', numEmbeddings);
    checkSize('Embedding', 'embeddingDim', embeddingDim);
    const pad = opts?.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings)) {
      throw new ArgumentError(`Embedding: expected paddingIdx in [${-numEmbeddings}, ${numEmbeddings}), got ${pad}`);
    }
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    const make = { dtype: opts?.dtype, backend: opts?.backend };
    const shape = [numEmbeddings, embeddingDim];
    let w: Tensor;
    if (opts?.skipInit) {
      w = zeros(shape, make);
    } else {
      const values = (opts?.generator ?? defaultGenerator()).normal(numEmbeddings * embeddingDim);
      if (this.paddingIdx !== null) values.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
      w = fromArray(values, shape, make);
    }
    this.weight = this.registerParameter('weight', new Parameter(w));
  }

  /** Rows of the table for integer `ids` of any shape. @example `wte.forward(ids)` */
  forward(ids: Tensor): Tensor {
    const pad = this.paddingIdx;
    if (pad === null || !this.weight.requiresGrad || !isGradEnabled()) return embedding(this.weight, ids);
    return composite(() => {
      const rows = embedding(this.weight, ids);
      // same values; the padding positions take the detached rows, so no gradient reaches that row
      return where(unsqueeze(eq(ids, pad), -1), rows.detach(), rows);
    });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}
