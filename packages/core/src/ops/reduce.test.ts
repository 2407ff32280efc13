import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand, randInt, toTensor } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { reduceAxes } from '../test-support/reference-math.js';
import { fromArray } from './creation.js';
import { transpose } from './views.js';
import * as r from './reduce.js';

const backends = await testOpBackends();

const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const avg = (xs: number[]): number => total(xs) / xs.length;
const varOf = (c: number) => (xs: number[]): number => {
  const m = avg(xs);
  return total(xs.map((x) => (x - m) ** 2)) / (xs.length - c);
};

type Reduce = (x: Tensor, axes?: number | readonly number[], keepdim?: boolean) => Tensor;
const REDUCTIONS: { name: string; fn: Reduce; ref: (xs: number[]) => number }[] = [
  { name: 'sum', fn: r.sum, ref: total },
  { name: 'mean', fn: r.mean, ref: avg },
  { name: 'max', fn: r.max, ref: (xs) => Math.max(...xs) },
  { name: 'min', fn: r.min, ref: (xs) => Math.min(...xs) },
  { name: 'norm', fn: (x, axes, keep) => r.norm(x, 2, axes, keep), ref: (xs) => Math.hypot(...xs) },
  { name: 'variance', fn: (x, axes, keep) => r.variance(x, axes, keep), ref: varOf(1) },
];

const SHAPE = [3, 17, 5];
/** Axes to reduce, as given by the caller, and the normalised list. */
const AXES: [number | number[] | undefined, number[]][] = [
  [undefined, [0, 1, 2]],
  [0, [0]],
  [1, [1]],
  [-1, [2]],
  [[0, 2], [0, 2]],
  [[-1, 1], [1, 2]],
];

const outShape = (axes: number[], keepdim: boolean): number[] =>
  SHAPE.flatMap((d, i) => (axes.includes(i) ? (keepdim ? [1] : []) : [d]));

describe.each(backends)('reductions on $name', ({ backend }) => {
  describe.each(REDUCTIONS)('$name', (c) => {
    const x = rand(SHAPE, { seed: 61 });

    it.each(AXES)('over axes %j matches the float64 reference, with and without keepdim', async (axes, norm) => {
      for (const keepdim of [false, true]) {
        await checkOp(backend, (t) => c.fn(t, axes, keepdim), [x], {
          expected: reduceAxes(x.values, SHAPE, norm, c.ref),
          shape: outShape(norm, keepdim),
          rtol: 1e-5,
        });
      }
    });

    it('reads a transposed view', async () => {
      const y = rand([17, 6], { seed: 62 });
      await checkOp(backend, (t) => c.fn(transpose(t), -1), [y], { expected: reduceAxes(y.values, [17, 6], [0], c.ref), shape: [6] });
    });

    it('reduces 4099 values (not a multiple of any workgroup size) accurately', async () => {
      const big = rand([2, 4099], { seed: 63, low: 0.5, high: 1.5 });
      await checkOp(backend, (t) => c.fn(t, 1), [big], { expected: reduceAxes(big.values, [2, 4099], [1], c.ref), rtol: 2e-5 });
    });

    it('has gradients matching finite differences', async () => {
      await checkGradients(backend, (t) => c.fn(t, [0, 2], true), [rand([3, 4, 5], { seed: 64 })]);
      await checkGradients(backend, (t) => c.fn(t), [rand([2, 17], { seed: 65 })]);
    });
  });

  it('sums and takes extremes of integer tensors exactly', async () => {
    const x = randInt([4, 9], 1000, { seed: 66 });
    await checkOp(backend, (t) => r.sum(t, 1), [x], { expected: reduceAxes(x.values, [4, 9], [1], total), dtype: 'i32' });
    await checkOp(backend, (t) => r.max(t, 0), [x], { expected: reduceAxes(x.values, [4, 9], [0], (xs) => Math.max(...xs)), dtype: 'i32' });
    await checkOp(backend, (t) => r.min(t), [x], { expected: [Math.min(...x.values)], dtype: 'i32', shape: [] });
  });

  it('reduces 70000 rows at once (more outputs than one grid axis holds)', async () => {
    const x = rand([70000, 3], { seed: 72 });
    await checkOp(backend, (t) => r.sum(t, 1), [x], { expected: reduceAxes(x.values, [70000, 3], [1], total) });
    await checkOp(backend, (t) => r.argmax(t, 1), [x], { expected: reduceAxes(x.values, [70000, 3], [1], (xs) => xs.indexOf(Math.max(...xs))) });
  });

  it('takes extremes of u32 tensors above 2^31 correctly', async () => {
    const x = host([1, 4294967295, 2147483648, 7], [2, 2], 'u32');
    await checkOp(backend, (t) => r.max(t, 1), [x], { expected: [4294967295, 2147483648], dtype: 'u32' });
    await checkOp(backend, (t) => r.min(t, 0), [x], { expected: [1, 7], dtype: 'u32' });
  });

  if (backend.dtypes.has('f16')) {
    it('sums f16 tensors within half precision', async () => {
      const x = rand([5, 127], { seed: 73, dtype: 'f16' });
      await checkOp(backend, (t) => r.sum(t, -1), [x], { expected: reduceAxes(x.values, [5, 127], [1], total), dtype: 'f16', rtol: 2e-3, atol: 2e-2 });
    });
  }

  it('sums an empty axis to zero and treats an empty axis list as identity', async () => {
    await checkOp(backend, (t) => r.sum(t, 1), [host([], [2, 0])], { expected: [0, 0], shape: [2] });
    const x = rand([2, 3], { seed: 67 });
    await checkOp(backend, (t) => r.sum(t, []), [x], { expected: x.values, shape: [2, 3] });
  });

  it('max and min propagate NaN', async () => {
    const x = host([1, NaN, 3, 4, 5, 6], [2, 3]);
    await checkOp(backend, (t) => r.max(t, 1), [x], { expected: [NaN, 6] });
    await checkOp(backend, (t) => r.min(t, 1), [x], { expected: [NaN, 4] });
  });

  it('max shares the gradient equally among tied maxima', async () => {
    const x = fromArray([3, 1, 3, 2, 5, 5], [2, 3], { backend, requiresGrad: true });
    r.max(x, 1).sum().backward();
    expect(Array.from(await x.grad!.data())).toEqual([0.5, 0, 0.5, 0, 0.5, 0.5]);
    x.dispose();
  });

  it('argmax and argmin return the first index of the extreme as i32', async () => {
    const x = host([1, 3, 3, 0, -2, 7, -2, 7, 5, 5, 5, 5], [3, 4]);
    await checkOp(backend, (t) => r.argmax(t, 1), [x], { expected: [1, 1, 0], dtype: 'i32', shape: [3] });
    await checkOp(backend, (t) => r.argmin(t, -1, true), [x], { expected: [3, 0, 0], dtype: 'i32', shape: [3, 1] });
    await checkOp(backend, (t) => r.argmax(t, 0), [x], { expected: [2, 1, 2, 1], dtype: 'i32', shape: [4] });
  });

  it('argmax agrees with a float64 scan on 127 x 33 random values and on a transposed view', async () => {
    const x = rand([127, 33], { seed: 68 });
    const argOf = (xs: number[]): number => xs.indexOf(Math.max(...xs));
    await checkOp(backend, (t) => r.argmax(t, 1), [x], { expected: reduceAxes(x.values, [127, 33], [1], argOf) });
    await checkOp(backend, (t) => r.argmax(transpose(t), 1), [x], { expected: reduceAxes(x.values, [127, 33], [0], argOf) });
    await checkOp(backend, (t) => r.argmin(t, 0), [x], {
      expected: reduceAxes(x.values, [127, 33], [0], (xs) => xs.indexOf(Math.min(...xs))),
    });
  });

  it('norm takes p = 1, 3 and infinity', async () => {
    const x = rand([4, 6], { seed: 69 });
    const pnorm = (p: number) => (xs: number[]): number => total(xs.map((v) => Math.abs(v) ** p)) ** (1 / p);
    await checkOp(backend, (t) => r.norm(t, 1, -1), [x], { expected: reduceAxes(x.values, [4, 6], [1], pnorm(1)) });
    await checkOp(backend, (t) => r.norm(t, 3, -1), [x], { expected: reduceAxes(x.values, [4, 6], [1], pnorm(3)) });
    await checkOp(backend, (t) => r.norm(t, Infinity, 0, true), [x], {
      expected: reduceAxes(x.values, [4, 6], [0], (xs) => Math.max(...xs.map(Math.abs))),
      shape: [1, 6],
    });
    for (const p of [1, 3, Infinity]) await checkGradients(backend, (t) => r.norm(t, p, -1), [rand([3, 5], { seed: 70, avoid: 0.1 })]);
  });

  it('variance takes the correction: 0 is the population variance, 1 the unbiased estimate', async () => {
    const x = rand([5, 8], { seed: 71 });
    await checkOp(backend, (t) => r.variance(t, -1, false, 0), [x], { expected: reduceAxes(x.values, [5, 8], [1], varOf(0)) });
    await checkOp(backend, (t) => r.variance(t, 0, true, 1), [x], { expected: reduceAxes(x.values, [5, 8], [0], varOf(1)), shape: [1, 8] });
    await checkGradients(backend, (t) => r.variance(t, -1, false, 0), [x]);
  });

  it('gives the norm of a zero vector a zero gradient, as PyTorch, and keeps NaN', async () => {
    for (const p of [2, 3]) {
      const x = fromArray([0, 0, 0, 3, 4, 0], [2, 3], { backend, requiresGrad: true });
      r.norm(x, p, -1).sum().backward();
      const g = Array.from(await x.grad!.data());
      expect(g.slice(0, 3)).toEqual([0, 0, 0]);
      const n2 = p === 2 ? 25 : Math.cbrt(91) ** 2; // d|x|_p/dx_i = x_i |x_i|^(p-2) / |x|_p^(p-1)
      const want = p === 2 ? [3 / 5, 4 / 5, 0] : [9 / n2, 16 / n2, 0];
      g.slice(3).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
      x.dispose();
    }
    await checkOp(backend, (t) => r.norm(t, 2, -1), [host([NaN, 1, 0, 0], [2, 2])], { expected: [NaN, 0] });
  });

  it('names the op and the rank when an axis is out of range, rejects bool input, and integer means', () => {
    const t = toTensor(rand([2, 3]), backend);
    expect(() => r.sum(t, 2)).toThrow('sum: axis 2 is out of range for a tensor of rank 2');
    expect(() => r.argmax(t, -3)).toThrow('argmax: axis -3 is out of range for a tensor of rank 2');
    const b = fromArray([1, 0], [2], { dtype: 'bool', backend });
    expect(() => r.sum(b)).toThrow(/sum: expected a numeric tensor, got bool/);
    const i = fromArray([1, 2], [2], { dtype: 'i32', backend });
    expect(() => r.mean(i)).toThrow(/mean: expected a floating-point tensor \(f32 or f16\), got i32/);
    i.dispose();
    t.dispose();
    b.dispose();
  });
});
