import { liveBuffers } from '../test-support/numeric.js';
import { describe, expect, it } from 'vitest';
import { withBackend } from '../backend-registry.js';
import { tensor } from '../ops/creation.js';
import { Parameter } from '../nn/parameter.js';
import { testOpBackends } from '../test-support/backends.js';
import { clipGradNorm } from './clip-grad-norm.js';

describe.each(await testOpBackends())('clipGradNorm on $name', ({ backend }) => {
  const withGrad = (values: number[], grad: number[] | null) =>
    withBackend(backend, () => {
      const p = new Parameter(tensor(values));
      p.grad = grad ? tensor(grad) : null;
      return p;
    });

  it('scales every gradient by maxNorm / (norm + 1e-6) and returns the norm before clipping', async () => {
    // global L2 norm of [3, 4] and [12] is √(9 + 16 + 144) = 13
    const a = withGrad([0, 0], [3, 4]);
    const b = withGrad([0], [12]);
    const none = withGrad([0], null);
    const total = clipGradNorm([a, b, none], 6.5);
    expect(await total.item()).toBeCloseTo(13, 5);
    const coef = 6.5 / (13 + 1e-6);
    const ga = await a.grad!.data();
    const gb = await b.grad!.data();
    [3, 4].forEach((g, i) => expect(ga[i]).toBeCloseTo(g * coef, 6));
    expect(gb[0]).toBeCloseTo(12 * coef, 6);
    expect(none.grad).toBeNull();
  });

  it('leaves gradients unchanged when their norm is below maxNorm', async () => {
    const a = withGrad([0, 0], [3, 4]);
    const total = clipGradNorm([a], 100);
    expect(await total.item()).toBeCloseTo(5, 5);
    expect([...(await a.grad!.data())]).toEqual([3, 4]);
  });

  it('supports the infinity norm', async () => {
    const a = withGrad([0, 0], [3, -4]);
    const b = withGrad([0], [-2]);
    const total = clipGradNorm([a, b], 2, { normType: Infinity });
    expect(await total.item()).toBe(4);
    const ga = await a.grad!.data();
    expect(ga[1]).toBeCloseTo(-4 * (2 / (4 + 1e-6)), 6);
  });

  it('frees the old gradients and leaks nothing', () => {
    const a = withGrad([0, 0], [3, 4]);
    const old = a.grad!;
    const before = liveBuffers(backend);
    clipGradNorm([a], 1).dispose();
    expect(old.isDisposed).toBe(true);
    expect(liveBuffers(backend)).toBe(before);
  });
});
