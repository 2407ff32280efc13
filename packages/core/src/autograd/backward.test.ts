import { describe, expect, it } from 'vitest';
import { AutogradError, ShapeError } from '../errors.js';
import { tidy } from '../scope.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { liveBuffers, rand } from '../test-support/numeric.js';
import { fromArray, ones } from '../ops/creation.js';
import { add, exp, mul, where, gt } from '../ops/elementwise.js';
import { argmax, sum } from '../ops/reduce.js';
import { gather } from '../ops/indexing.js';
import { isGradEnabled, noGrad } from './graph.js';

const backends = await testOpBackends();

describe.each(backends)('backward on $name', ({ backend }) => {
  const on = { backend };
  const leaf = (values: number[]) => fromArray(values, [values.length], { ...on, requiresGrad: true });

  it('adds into an existing .grad on each call (gradient accumulation)', async () => {
    const w = leaf([1, 2, 3]);
    for (let i = 0; i < 3; i++) tidy(() => mul(w, w).sum().backward());
    expect(Array.from(await w.grad!.data())).toEqual([6, 12, 18]);
    w.dispose();
  });

  it('can run twice over the same graph', async () => {
    const w = leaf([1, -1]);
    const loss = mul(w, 3).sum();
    loss.backward();
    loss.backward();
    expect(Array.from(await w.grad!.data())).toEqual([6, 6]);
    loss.dispose();
    w.dispose();
  });

  it('sums gradients over every path to a tensor used several times (diamond graphs)', async () => {
    // z = y + y·a with y = a·b: dz/da = b + 2ab, dz/db = a + a²
    const a = leaf([2, -2]);
    const b = leaf([3, 0.5]);
    tidy(() => {
      const y = mul(a, b);
      add(y, mul(y, a)).sum().backward();
    });
    expect(Array.from(await a.grad!.data())).toEqual([3 + 12, 0.5 - 2]);
    expect(Array.from(await b.grad!.data())).toEqual([2 + 4, -2 + 4]);
    a.dispose();
    b.dispose();
  });

  it('takes a seed gradient for non-scalar outputs and checks its shape', async () => {
    const w = leaf([1, 2]);
    const y = mul(w, w);
    y.backward(fromArray([10, 100], [2], on));
    expect(Array.from(await w.grad!.data())).toEqual([20, 400]);
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow('backward: expected a scalar, got shape [2]; pass a seed gradient');
    expect(() => y.backward(fromArray([1, 2, 3], [3], on))).toThrow(ShapeError);
    expect(() => y.backward(fromArray([1, 2, 3], [3], on))).toThrow('backward: seed gradient [3] does not match output [2]');
    y.dispose();
    w.dispose();
  });

  it('back-propagates from a leaf itself (its gradient is the seed)', async () => {
    const w = fromArray([5], [], { ...on, requiresGrad: true });
    w.backward();
    expect(await w.grad!.item()).toBe(1);
    w.dispose();
  });

  it('refuses a tensor that does not require a gradient', () => {
    const x = ones([2], on);
    const s = x.sum();
    expect(() => s.backward()).toThrow(/backward: the tensor does not require a gradient/);
    x.dispose();
    s.dispose();
  });

  it('fills .grad of leaves only: intermediates and constants get none', () => {
    const w = leaf([1, 2]);
    const c = fromArray([3, 4], [2], on);
    const h = mul(w, c);
    const loss = exp(h).sum();
    loss.backward();
    expect(w.grad).not.toBeNull();
    expect(h.grad).toBeNull();
    expect(c.grad).toBeNull();
    for (const t of [w, c, h, loss]) t.dispose();
  });

  it('records nothing under noGrad, and restores recording afterwards (even after a throw)', () => {
    const w = leaf([1]);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return mul(w, 2);
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(isGradEnabled()).toBe(true);
    y.dispose();
    w.dispose();
  });

  it('passes through integer side paths (argmax, gather indices) without trying to differentiate them', async () => {
    const w = leaf([0.5, 3, -1, 2]);
    tidy(() => {
      const best = argmax(w, 0, true);
      gather(w, best, 0).sum().backward();
    });
    expect(Array.from(await w.grad!.data())).toEqual([0, 1, 0, 0]);
    w.dispose();
  });

  it('handles a graph thousands of ops deep without recursion', async () => {
    const w = leaf([1]);
    tidy(() => {
      let h = w;
      for (let i = 0; i < 3000; i++) h = add(h, 0.001);
      mul(h, 2).sum().backward();
    });
    expect(Array.from(await w.grad!.data())).toEqual([2]);
    w.dispose();
  });

  it('frees intermediate gradients as it goes: only leaf gradients remain', () => {
    const w = leaf(Array.from({ length: 17 }, (_, i) => i / 10));
    backend.flush();
    const start = liveBuffers(backend);
    tidy(() => {
      let h = w;
      for (let i = 0; i < 20; i++) h = exp(mul(h, 0.5));
      sum(h).backward();
    });
    expect(liveBuffers(backend)).toBe(start + 1);
    w.dispose();
    expect(liveBuffers(backend)).toBe(start - 1);
  });

  it('gives zero gradient to the unselected branch of where and a constant condition', async () => {
    await checkGradients(backend, (x) => where(gt(x, 0), mul(x, x), mul(x, -3)), [rand([3, 17], { seed: 201, avoid: 0.05 })]);
  });
});
