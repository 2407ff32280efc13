import { ArgumentError } from '../errors.js';
import { dropout } from '../ops/dropout.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * Inverted dropout with probability `p`, active only in training mode (`model.train()`); in
 * evaluation mode it passes values through.
 *
 * @example
 * ```ts
 * const drop = new Dropout(0.1);
 * drop.forward(h);            // training: ~10% zeroed, the rest scaled by 1/0.9
 * drop.eval().forward(h);     // unchanged values
 * ```
 */
export class Dropout extends Module {
  private prob: number;
  /** Source of the dropout seeds (default: the global generator). */
  generator: Generator | undefined;

  constructor(p = 0.5, opts?: { generator?: Generator }) {
    super();
    this.prob = checkP(p);
    this.generator = opts?.generator;
  }

  /** The drop probability. @example `drop.p = 0` */
  get p(): number {
    return this.prob;
  }
  set p(value: number) {
    this.prob = checkP(value);
  }

  /** Drops elements in training mode. @example `drop.forward(h)` */
  forward(x: Tensor): Tensor {
    return dropout(x, this.prob, { training: this.training, generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${this.prob}`;
  }
}

function checkP(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`Dropout: expected a probability in [0, 1], got ${p}`);
  return p;
}
