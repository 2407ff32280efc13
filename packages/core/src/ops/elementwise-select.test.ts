import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand, randInt } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { broadcast2, broadcastAt } from '../test-support/reference-math.js';
import { fromArray } from './creation.js';
import * as ops from './elementwise.js';

const backends = await testOpBackends();

const COMPARES: { name: string; fn: (a: Tensor, b: Tensor) => Tensor; ref: (a: number, b: number) => boolean }[] = [
  { name: 'eq', fn: ops.eq, ref: (a, b) => a === b },
  { name: 'ne', fn: ops.ne, ref: (a, b) => a !== b },
  { name: 'lt', fn: ops.lt, ref: (a, b) => a < b },
  { name: 'le', fn: ops.le, ref: (a, b) => a <= b },
  { name: 'gt', fn: ops.gt, ref: (a, b) => a > b },
  { name: 'ge', fn: ops.ge, ref: (a, b) => a >= b },
];

/** Small integers as floats, so that equal pairs occur often. */
const coarse = (shape: number[], seed: number) => host(rand(shape, { seed, low: -3, high: 3 }).values, shape).values;

describe.each(backends)('comparisons, where and clamp on $name', ({ backend }) => {
  describe.each(COMPARES)('$name', (c) => {
    it('compares broadcast f32 operands into a bool tensor', async () => {
      const a = host(Array.from(coarse([4, 1, 17], 21), Math.round), [4, 1, 17]);
      const b = host(Array.from(coarse([3, 1], 22), Math.round), [3, 1]);
      await checkOp(backend, c.fn, [a, b], {
        expected: ([x, y]) => broadcast2(x, [4, 1, 17], y, [3, 1], [4, 3, 17], (p, q) => (c.ref(p, q) ? 1 : 0)),
        shape: [4, 3, 17],
        dtype: 'bool',
      });
    });

    it('compares i32 operands and a number', async () => {
      const a = randInt([33], 5, { seed: 23 });
      await checkOp(backend, (t) => c.fn(t, 2 as unknown as Tensor), [a], { expected: ([x]) => x.map((v) => (c.ref(v, 2) ? 1 : 0)), dtype: 'bool' });
    });

    it('treats NaN as unordered and -0 as equal to 0', async () => {
      const a = host([NaN, NaN, 1, -0], [4]);
      const b = host([NaN, 1, NaN, 0], [4]);
      await checkOp(backend, c.fn, [a, b], { expected: [0, 1, 2, 3].map((i) => (c.ref(a.values[i], b.values[i]) ? 1 : 0)) });
    });
  });

  it('where selects with broadcasting over the condition and both branches', async () => {
    const cond = host([1, 0, 1], [3, 1], 'bool');
    const a = rand([1, 7], { seed: 24 });
    const b = rand([2, 1, 1], { seed: 25 });
    const shape = [2, 3, 7];
    await checkOp(backend, ops.where, [cond, a, b], {
      expected: ([c, x, y]) =>
        Array.from({ length: 42 }, (_, i) =>
          broadcastAt(c, [3, 1], shape, i) ? broadcastAt(x, [1, 7], shape, i) : broadcastAt(y, [2, 1, 1], shape, i),
        ),
      shape,
      rtol: 0,
      atol: 0,
    });
  });

  it('where takes numbers for either branch (two numbers give f32)', async () => {
    const cond = host([1, 0, 0, 1], [4], 'bool');
    const x = host([5, 6, 7, 8], [4]);
    await checkOp(backend, (c, t) => ops.where(c, t, -1), [cond, x], { expected: [5, -1, -1, 8] });
    await checkOp(backend, (c, t) => ops.where(c, 0.5, t), [cond, x], { expected: [0.5, 6, 7, 0.5] });
    await checkOp(backend, (c) => ops.where(c, 1, 0), [cond], { expected: [1, 0, 0, 1], dtype: 'f32' });
  });

  it('where sends the gradient to the selected branch, summed over broadcast axes', async () => {
    const cond = host(Array.from(coarse([3, 17], 26), (v) => (v > 0 ? 1 : 0)), [3, 17], 'bool');
    await checkGradients(backend, ops.where, [cond, rand([17], { seed: 27 }), rand([3, 1], { seed: 28 })]);
  });

  it('where rejects a non-bool condition', () => {
    const f = fromArray([1], [1], { backend });
    expect(() => ops.where(f, f, f)).toThrow('where: expected a bool condition, got f32');
    f.dispose();
  });

  it('clamp limits values, keeps NaN, and with min > max gives max, as PyTorch', async () => {
    const x = host([-3, -1, 0, 1, 3, NaN], [6]);
    await checkOp(backend, (t) => ops.clamp(t, -1, 2), [x], { expected: [-1, -1, 0, 1, 2, NaN] });
    await checkOp(backend, (t) => ops.clamp(t, 0), [x], { expected: [0, 0, 0, 1, 3, NaN] });
    await checkOp(backend, (t) => ops.clamp(t, undefined, 0), [x], { expected: [-3, -1, 0, 0, 0, NaN] });
    await checkOp(backend, (t) => ops.clamp(t, 2, 1), [x], { expected: [1, 1, 1, 1, 1, NaN] });
    await checkOp(backend, (t) => ops.clamp(t), [x], { expected: x.values });
  });

  it('clamp works on integer tensors', async () => {
    await checkOp(backend, (t) => ops.clamp(t, 1, 3), [host([-5, 2, 9], [3], 'i32')], { expected: [1, 2, 3], dtype: 'i32' });
  });

  it('clamp passes the gradient inside [min, max] including its boundaries, and zero outside', async () => {
    await checkGradients(backend, (t) => ops.clamp(t, -0.5, 0.7), [rand([127], { seed: 29 })]);
    const x = fromArray([-1, -0.5, 0, 0.7, 1], [5], { backend, requiresGrad: true });
    ops.clamp(x, -0.5, 0.7).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([0, 1, 1, 1, 0]);
    x.dispose();
  });
});
