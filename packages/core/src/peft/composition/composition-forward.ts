import { ArgumentError } from '../../errors.js';
import { add, mul, sub } from '../../ops/elementwise.js';
import { concat } from '../../ops/views.js';
import type { Tensor } from '../../tensor.js';
import type { CompositionChild } from './composition-block.js';

/**
 * One layer's output under a composition: `y` is the base module's output for input `x`, and
 * `apply(name, x, y)` is `y` with adapter `name` applied, or undefined where the layer does not hold
 * that adapter (or it is switched off). Names the layer lacks leave the output unchanged, so a block
 * means the same on every layer, whichever adapters each one holds:
 *
 * - `stack`: the children in turn, each on the output the previous one left;
 * - `parallel`: `y + Σ (child(x, y) − y)`; `average`: `y + Σ wᵢ (child(x, y) − y)`;
 * - `batchSplit`: rows `[s₀ + … + sᵢ₋₁, … + sᵢ)` of `x` and `y` through child i, concatenated back.
 *
 * A block with one changing child returns that child's output as is (bit-exact with it alone).
 *
 * @example
 * ```ts
 * const out = composeAdapters(Parallel('a', 'b'), x, base.forward(x), (n, x, y) => layer.apply(n, x, y), 'LoraLinear');
 * ```
 */
export function composeAdapters(
  block: CompositionChild,
  x: Tensor,
  y: Tensor,
  apply: (name: string, x: Tensor, y: Tensor) => Tensor | undefined,
  op: string,
): Tensor {
  if (typeof block === 'string') return apply(block, x, y) ?? y;
  if (block.type === 'stack') return block.children.reduce((acc, c) => composeAdapters(c, x, acc, apply, op), y);
  if (block.type === 'batchSplit') {
    const rows = y.shape[0];
    const total = block.sizes.reduce((s, n) => s + n, 0);
    if (total !== rows) {
      throw new ArgumentError(`${op}: batchSplit sizes [${block.sizes.join(', ')}] sum to ${total}, but the batch has ${rows} rows`);
    }
    let start = 0;
    const parts = block.children.map((c, i) => {
      const end = start + block.sizes[i];
      const xs = x.shape[0] === rows ? x.slice([start], [end]) : x;
      const part = composeAdapters(c, xs, y.slice([start], [end]), apply, op);
      start = end;
      return part;
    });
    return concat(parts, 0);
  }
  const weights = block.type === 'average' ? block.weights : undefined;
  const changed: [Tensor, number][] = [];
  block.children.forEach((c, i) => {
    const out = composeAdapters(c, x, y, apply, op);
    if (out !== y) changed.push([out, weights ? weights[i] : 1]);
  });
  if (changed.length === 0) return y;
  if (changed.length === 1 && changed[0][1] === 1) return changed[0][0];
  return changed.reduce((acc, [out, w]) => add(acc, w === 1 ? sub(out, y) : mul(sub(out, y), w)), y);
}
