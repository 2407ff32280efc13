import type { ReduceOp, View } from '../../backend-interface.js';
import { computeDType } from '../../dtype.js';
import { shapeSize } from '../../shape.js';
import { CpuBuffer, arrayOf, finishOut, outArray } from './cpu-buffer.js';
import { offsetsFor } from './strided.js';

/**
 * Reduction over the given axes: the view is permuted (as strides) so kept axes come first, then each
 * output element folds a run of `inner` inputs. Sums accumulate in float64.
 *
 * @example
 * ```ts
 * cpuReduce('sum', view, [1]);
 * ```
 */
export function cpuReduce(op: ReduceOp, x: View, axes: readonly number[], wide = false): CpuBuffer {
  const src = arrayOf(x);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...kept, ...axes];
  const outer = shapeSize(kept.map((i) => x.shape[i]));
  const inner = shapeSize(axes.map((i) => x.shape[i]));
  const offs = offsetsFor(
    order.map((i) => x.shape[i]),
    order.map((i) => x.strides[i]),
    x.offset,
  );
  const isArg = op === 'argmax' || op === 'argmin';
  const out = outArray(isArg ? 'i32' : computeDType(x.dtype), outer, wide);
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    if (op === 'sum') {
      let s = 0;
      for (let k = 0; k < inner; k++) s += src[offs[base + k]];
      out[o] = s;
    } else if (op === 'max' || op === 'min') {
      let m = op === 'max' ? -Infinity : Infinity;
      for (let k = 0; k < inner; k++) {
        const v = src[offs[base + k]];
        if (v !== v) {
          m = NaN;
          break;
        }
        if (op === 'max' ? v > m : v < m) m = v;
      }
      out[o] = m;
    } else {
      let best = 0;
      let m = op === 'argmax' ? -Infinity : Infinity;
      for (let k = 0; k < inner; k++) {
        const v = src[offs[base + k]];
        if (op === 'argmax' ? v > m : v < m) {
          m = v;
          best = k;
        }
      }
      out[o] = best;
    }
  }
  return finishOut(isArg ? 'i32' : computeDType(x.dtype), out);
}
