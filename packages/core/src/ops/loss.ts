import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { composite } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { logSoftmax } from './activation.js';
import { arange } from './creation.js';
import { add, cast, mul, ne, neg, square, sub, where } from './elementwise.js';
import { gather } from './indexing.js';
import { mean, sum } from './reduce.js';
import { reshape } from './views.js';

/**
 * Options of {@link crossEntropy}.
 *
 * @example
 * ```ts
 * const opts: CrossEntropyOptions = { ignoreIndex: -100, reduction: 'mean' };
 * ```
 */
export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** 'mean' over non-ignored targets (default), 'sum', or 'none' (per target, 0 where ignored). */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Cross-entropy between logits `[..., classes]` and integer targets `[...]`, with PyTorch's
 * semantics: targets equal to `ignoreIndex` contribute nothing, and 'mean' divides by the number of
 * the others (NaN when every target is ignored, as PyTorch).
 *
 * @example
 * ```ts
 * const loss = crossEntropy(logits.reshape([-1, vocab]), labels.reshape([-1]));
 * ```
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts?: CrossEntropyOptions): Tensor {
  if (target.dtype !== 'i32' && target.dtype !== 'u32') throw new DTypeError(`crossEntropy: expected i32 or u32 targets, got ${target.dtype}`);
  logits.liveStorage('crossEntropy');
  target.liveStorage('crossEntropy');
  const classes = logits.shape[logits.rank - 1];
  const lead = logits.shape.slice(0, -1);
  if (logits.rank < 1 || lead.length !== target.rank || lead.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(`crossEntropy: expected targets of shape ${fmtShape(lead)} for logits ${fmtShape(logits.shape)}, got ${fmtShape(target.shape)}`);
  }
  const rows = lead.reduce((p, d) => p * d, 1);
  const ignore = opts?.ignoreIndex ?? -100;
  const reduction = opts?.reduction ?? 'mean';
  return composite(() => {
    const logp = reshape(logSoftmax(logits, -1), [rows * classes]);
    const flatT = reshape(target.dtype === 'u32' ? cast(target, 'i32') : target, [rows]);
    const valid = ne(flatT, ignore);
    const safe = where(valid, flatT, 0);
    const idx = add(mul(arange(rows, undefined, 1, { dtype: 'i32', backend: logits.backend }), classes), safe);
    const nll = where(valid, neg(gather(logp, idx, 0)), 0);
    if (reduction === 'none') return reshape(nll, target.shape);
    if (reduction === 'sum') return sum(nll);
    return sum(nll).div(sum(valid.cast(logits.dtype)));
  });
}

/**
 * Mean squared error.
 *
 * @example
 * ```ts
 * mseLoss(pred, target);
 * ```
 */
export function mseLoss(pred: Tensor, target: Tensor, reduction: 'mean' | 'sum' | 'none' = 'mean'): Tensor {
  if (pred.rank !== target.rank || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(`mseLoss: expected equal shapes, got ${fmtShape(pred.shape)} and ${fmtShape(target.shape)}`);
  }
  return composite(() => {
    const e = square(sub(pred, target));
    return reduction === 'none' ? e : reduction === 'sum' ? sum(e) : mean(e);
  });
}
