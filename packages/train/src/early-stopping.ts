import { FileFormatError } from '@peft/core';

/**
 * Early stopping on the evaluation loss: stop after `patience` evaluations in a row that did not
 * improve on the best loss by more than `threshold` (Hugging Face's EarlyStoppingCallback rule).
 * Patience 0 never stops.
 *
 * @example
 * ```ts
 * const early = new EarlyStopping(3, 0);
 * if (early.update(evalLoss)) console.log('stopping');
 * ```
 */
export class EarlyStopping {
  /** The best evaluation loss seen. */
  best = Number.POSITIVE_INFINITY;
  /** Evaluations since the last improvement. */
  waited = 0;

  constructor(
    readonly patience: number,
    readonly threshold: number,
  ) {}

  /** Records an evaluation loss; resolves to true when training should stop. @example `early.update(1.23)` */
  update(loss: number): boolean {
    if (loss < this.best - this.threshold) {
      this.best = loss;
      this.waited = 0;
    } else {
      this.waited++;
    }
    return this.patience > 0 && this.waited >= this.patience;
  }

  /** The state for a checkpoint. @example `early.state() // { best: 1.2, waited: 1 }` */
  state(): { best: number | null; waited: number } {
    return { best: Number.isFinite(this.best) ? this.best : null, waited: this.waited };
  }

  /** Restores {@link EarlyStopping.state}. @example `early.restore({ best: 1.2, waited: 1 })` */
  restore(state: unknown): void {
    const s = state as { best?: unknown; waited?: unknown } | undefined;
    if (typeof s !== 'object' || s === null || !(s.best === null || typeof s.best === 'number') || !Number.isInteger(s.waited)) {
      throw new FileFormatError(`EarlyStopping.restore: expected { best: number | null, waited: integer }, got ${JSON.stringify(state)}`);
    }
    this.best = s.best === null ? Number.POSITIVE_INFINITY : (s.best);
    this.waited = s.waited as number;
  }
}
