import { describe, expect, it } from 'vitest';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { gelu64, reduceAxes, rowwise } from '../test-support/reference-math.js';
import { gelu, logSoftmax, silu, softmax } from './activation.js';
import { fromArray } from './creation.js';
import { transpose } from './views.js';
import { tidy } from '../scope.js';

const backends = await testOpBackends();

const softmaxRow = (row: number[]): number[] => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const logSoftmaxRow = (row: number[]): number[] => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
};

describe.each(backends)('activations on $name', ({ backend }) => {
  describe.each(['none', 'tanh'] as const)('gelu (%s)', (approximate) => {
    it('matches the float64 reference on 127 values', async () => {
      await checkOp(backend, (x) => gelu(x, approximate), [rand([127], { seed: 111, low: -5, high: 5 })], {
        expected: ([x]) => x.map((v) => gelu64(v, approximate)),
        atol: 3e-7,
        rtol: 2e-6,
      });
    });

    it('gives PyTorch’s values at known points', async () => {
      const expected =
        approximate === 'none'
          ? [0.8413447460685429, -0.15865525393145707, 0, 1.9544997361036416]
          : [0.8411919906082768, -0.15880800939172324, 0, 1.954597694087775];
      await checkOp(backend, (x) => gelu(x, approximate), [host([1, -1, 0, 2], [4])], { expected, atol: 2e-7 });
    });

    it('has gradients matching finite differences', async () => {
      await checkGradients(backend, (x) => gelu(x, approximate), [rand([3, 17], { seed: 112, low: -4, high: 4 })]);
    });
  });

  it('silu is x·σ(x) with matching gradients', async () => {
    await checkOp(backend, silu, [rand([127], { seed: 113, low: -8, high: 8 })], { expected: ([x]) => x.map((v) => v / (1 + Math.exp(-v))) });
    await checkGradients(backend, silu, [rand([3, 17], { seed: 114 })]);
  });

  describe('softmax and log-softmax', () => {
    it.each([
      [[3, 17], -1],
      [[127], 0],
      [[4, 5, 6], 1],
      [[2, 1000], 1],
    ])('over %j axis %i match the float64 reference', async (shape, axis) => {
      const x = rand(shape, { seed: 115, low: -6, high: 6 });
      const a = axis < 0 ? shape.length + axis : axis;
      // a reference along any axis: move it last, apply row-wise, move it back
      const along = (f: (row: number[]) => number[]) => (vals: Float64Array): Float64Array => {
        const out = new Float64Array(vals.length);
        const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
        const n = shape[a];
        const outer = vals.length / (n * inner);
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            const idx = Array.from({ length: n }, (_, j) => (o * n + j) * inner + i);
            f(idx.map((k) => vals[k])).forEach((v, j) => (out[idx[j]] = v));
          }
        }
        return out;
      };
      await checkOp(backend, (t) => softmax(t, axis), [x], { expected: ([v]) => along(softmaxRow)(v), atol: 1e-7, rtol: 1e-5 });
      await checkOp(backend, (t) => logSoftmax(t, axis), [x], { expected: ([v]) => along(logSoftmaxRow)(v), atol: 2e-6, rtol: 1e-5 });
    });

    it('are stable for large logits and sum to one', async () => {
      const x = host([1000, 1001, 1002, -1000, -1001, -1e4], [2, 3]);
      const p = await checkOp(backend, (t) => softmax(t), [x], { expected: ([v]) => rowwise(v, 3, softmaxRow), atol: 1e-7 });
      expect(p.every(Number.isFinite)).toBe(true);
      await checkOp(backend, (t) => logSoftmax(t), [x], { expected: ([v]) => rowwise(v, 3, logSoftmaxRow), rtol: 1e-6 });
      const big = rand([5, 301], { seed: 116, low: -20, high: 20 });
      const q = await checkOp(backend, (t) => softmax(t), [big], { expected: ([v]) => rowwise(v, 301, softmaxRow), atol: 1e-7, rtol: 1e-5 });
      for (const s of reduceAxes(q, [5, 301], [1], (xs) => xs.reduce((a, b) => a + b, 0))) expect(s).toBeCloseTo(1, 5);
    });

    it('handle -Infinity entries (masked logits) without NaN, in rows of any length', async () => {
      const x = host([0, -Infinity, 1, -Infinity, 2, 3], [2, 3]);
      await checkOp(backend, (t) => softmax(t), [x], { expected: ([v]) => rowwise(v, 3, softmaxRow), atol: 1e-7 });
      await checkOp(backend, (t) => logSoftmax(t), [x], { expected: ([v]) => rowwise(v, 3, logSoftmaxRow), rtol: 1e-6 });
      // rows of 8 (read four at a time on WebGPU): a causal mask's -Infinity tail, and a row whose max is last
      const y = host([0.5, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, 1, 2, 3, 4, 5, 6, 7, 40], [2, 8]);
      await checkOp(backend, (t) => softmax(t), [y], { expected: ([v]) => rowwise(v, 8, softmaxRow), atol: 1e-7 });
      await checkOp(backend, (t) => logSoftmax(t), [y], { expected: ([v]) => rowwise(v, 8, logSoftmaxRow), rtol: 1e-6 });
    });

    it('propagate a NaN to its whole row only, wherever it sits in the row', async () => {
      for (const n of [3, 8]) {
        const vals = Array.from({ length: 3 * n }, (_, i) => (i === n + 2 ? NaN : i / 7));
        const got = await tidy(() => softmax(fromArray(vals, [3, n], { backend }))).data();
        for (let i = 0; i < 3 * n; i++) expect(Number.isNaN(got[i]), `n ${n} element ${i}`).toBe(Math.floor(i / n) === 1);
      }
    });

    it('read a transposed view', async () => {
      const x = rand([6, 4], { seed: 117 });
      await checkOp(backend, (t) => softmax(transpose(t), -1), [x], {
        expected: ([v]) => rowwise(Float64Array.from({ length: 24 }, (_, i) => v[(i % 6) * 4 + Math.floor(i / 6)]), 6, softmaxRow),
      });
    });

    it('have gradients matching finite differences', async () => {
      await checkGradients(backend, (t) => softmax(t, -1), [rand([3, 17], { seed: 118 })]);
      await checkGradients(backend, (t) => softmax(t, 0), [rand([5, 3], { seed: 119 })]);
      await checkGradients(backend, (t) => logSoftmax(t, -1), [rand([3, 17], { seed: 120 })]);
      await checkGradients(backend, (t) => logSoftmax(t, 1), [rand([2, 7, 3], { seed: 121 })]);
    });

    it('give the gradient of sum(log-softmax(x)) as 1 - n·softmax(x)', async () => {
      const x = fromArray([1, 2, 3, 4], [1, 4], { backend, requiresGrad: true });
      logSoftmax(x).sum().backward();
      const p = softmaxRow([1, 2, 3, 4]);
      (await x.grad!.data()).forEach((g, j) => expect(g).toBeCloseTo(1 - 4 * p[j], 6));
      x.dispose();
    });
  });
});
