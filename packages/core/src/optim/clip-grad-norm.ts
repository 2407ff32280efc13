import { noGrad } from '../autograd/graph.js';
import { zeros } from '../ops/creation.js';
import { add, clamp, div, mul } from '../ops/elementwise.js';
import { norm } from '../ops/reduce.js';
import { stack } from '../ops/views.js';
import { keep, tidy } from '../scope.js';
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';

/**
 * Scales all gradients together so that their global norm is at most `maxNorm`, as PyTorch's
 * `clip_grad_norm_`: the norm is taken over every gradient as one vector (`normType` 2 by default;
 * any p ≥ 1 or Infinity), and each gradient is multiplied by min(1, maxNorm / (norm + 1e-6)).
 * Parameters without a gradient are ignored.
 *
 * Returns the total norm before clipping as a 0-d tensor, without reading it back, so a training
 * step never waits on the GPU (read it with `await total.item()` every N steps; dispose it or let a
 * `tidy` do it).
 *
 * @example
 * ```ts
 * const gradNorm = clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 * if (step % 10 === 0) console.log(await gradNorm.item());
 * gradNorm.dispose();
 * ```
 */
export function clipGradNorm(params: Iterable<{ grad: Tensor | null }>, maxNorm: number, opts?: { normType?: number }): Tensor {
  const normType = opts?.normType ?? 2;
  if (!(maxNorm >= 0)) throw new ArgumentError(`clipGradNorm: expected maxNorm >= 0, got ${maxNorm}`);
  if (!(normType >= 1)) throw new ArgumentError(`clipGradNorm: expected normType >= 1 (or Infinity), got ${normType}`);
  const holders = [...params].filter((p) => p.grad !== null);
  if (holders.length === 0) return zeros([]);
  return noGrad(() =>
    tidy(() => {
      const norms = holders.map((p) => {
        const n = norm(p.grad!, normType);
        return n.dtype === 'f32' ? n : n.cast('f32');
      });
      const total = norms.length === 1 ? norms[0] : norm(stack(norms), normType);
      const coef = clamp(div(maxNorm, add(total, 1e-6)), undefined, 1);
      for (const p of holders) {
        const g = p.grad!;
        const scaled = keep(mul(g, g.dtype === 'f32' ? coef : coef.cast(g.dtype)));
        g.dispose();
        p.grad = scaled;
      }
      return total;
    }),
  );
}
