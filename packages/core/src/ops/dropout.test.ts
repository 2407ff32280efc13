import { describe, expect, it } from 'vitest';
import { dropoutKeep } from '../kernels/random-hash.js';
import { Generator } from '../random.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand, toTensor } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { fromArray, ones } from './creation.js';
import { dropout } from './dropout.js';
import { transpose } from './views.js';

const backends = await testOpBackends();

/** The mask every backend must produce: element i kept iff dropoutKeep(seed, i, p), scaled by 1/(1-p) in f32. */
const expectedDropout = (values: ArrayLike<number>, p: number, seed: number): number[] =>
  Array.from(values, (v, i) => (dropoutKeep(seed, i, p) ? Math.fround(v * Math.fround(1 / (1 - p))) : 0));

describe.each(backends)('dropout on $name', ({ backend }) => {
  it.each([
    [0.1, 7],
    [0.5, 1234],
    [0.9, 0xffffffff],
  ])('with p = %f and seed %i keeps exactly the elements the shared hash keeps', async (p, seed) => {
    const x = rand([127, 3], { seed: 191 });
    await checkOp(backend, (t) => dropout(t, p, { seed }), [x], { expected: ([v]) => expectedDropout(v, p, seed), rtol: 0, atol: 0 });
  });

  it('indexes the mask by the logical (row-major) position of a strided view', async () => {
    const x = rand([5, 7], { seed: 192 });
    await checkOp(backend, (t) => dropout(transpose(t), 0.5, { seed: 3 }), [x], {
      expected: ([v]) => expectedDropout(Float64Array.from({ length: 35 }, (_, i) => v[(i % 5) * 7 + Math.floor(i / 5)]), 0.5, 3),
      shape: [7, 5],
    });
  });

  it('backward regenerates the same mask and scale', async () => {
    const x = fromArray(Array.from({ length: 200 }, (_, i) => i + 1), [200], { backend, requiresGrad: true });
    const y = dropout(x, 0.3, { seed: 99 });
    const g = rand([200], { seed: 193 });
    y.backward(toTensor(g, backend));
    const out = await y.data();
    const grad = await x.grad!.data();
    for (let i = 0; i < 200; i++) {
      const kept = out[i] !== 0;
      expect(kept).toBe(dropoutKeep(99, i, 0.3));
      expect(grad[i]).toBe(kept ? Math.fround(Math.fround(g.values[i]) * Math.fround(1 / 0.7)) : 0);
    }
    x.dispose();
    y.dispose();
  });

  it('has gradients matching finite differences for a fixed seed', async () => {
    await checkGradients(backend, (t) => dropout(t, 0.4, { seed: 11 }), [rand([3, 17], { seed: 194 })]);
  });

  it('draws its seed from a generator: the same generator state gives the same mask, the next call a new one', async () => {
    const x = ones([64], { backend });
    const g1 = new Generator(5);
    const g2 = new Generator(5);
    const a = dropout(x, 0.5, { generator: g1 });
    const b = dropout(x, 0.5, { generator: g2 });
    const c = dropout(x, 0.5, { generator: g1 });
    const [av, bv, cv] = await Promise.all([a.data(), b.data(), c.data()]);
    expect(Array.from(av)).toEqual(Array.from(bv));
    expect(Array.from(av)).not.toEqual(Array.from(cv));
    for (const t of [x, a, b, c]) t.dispose();
  });

  it('keeps about 1 - p of 40000 elements', async () => {
    const x = ones([200, 200], { backend });
    const y = dropout(x, 0.3, { seed: 42 });
    const kept = (await y.data()).reduce((n, v) => n + (v !== 0 ? 1 : 0), 0) / 40000;
    expect(Math.abs(kept - 0.7)).toBeLessThan(0.01);
    x.dispose();
    y.dispose();
  });

  it('is the identity when not training or when p = 0, and zeros with a zero gradient when p = 1', async () => {
    const x = host([1, -2, 3], [3]);
    await checkOp(backend, (t) => dropout(t, 0.5, { training: false }), [x], { expected: x.values, rtol: 0, atol: 0 });
    await checkOp(backend, (t) => dropout(t, 0), [x], { expected: x.values, rtol: 0, atol: 0 });
    await checkOp(backend, (t) => dropout(t, 1), [x], { expected: [0, 0, 0], rtol: 0, atol: 0 });
    const t = toTensor(x, backend, true);
    dropout(t, 1).sum().backward();
    expect(Array.from(await t.grad!.data())).toEqual([0, 0, 0]);
    t.dispose();
  });

  it('rejects a probability outside [0, 1] and integer input', () => {
    const t = toTensor(rand([2]), backend);
    const i = toTensor(host([1], [1], 'i32'), backend);
    expect(() => dropout(t, 1.5)).toThrow('dropout: expected a probability in [0, 1], got 1.5');
    expect(() => dropout(t, NaN)).toThrow(/dropout: expected a probability in \[0, 1\], got NaN/);
    expect(() => dropout(i, 0.5)).toThrow(/dropout: expected a floating-point tensor/);
    t.dispose();
    i.dispose();
  });
});
