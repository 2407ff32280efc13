import { describe, expect, it } from 'vitest';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand, toTensor } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { rowwise } from '../test-support/reference-math.js';
import { layerNorm, rmsNorm } from './normalization.js';
import { transpose } from './views.js';

const backends = await testOpBackends();

/** float64 layer norm of one row, population variance. */
const lnRow = (eps: number) => (row: number[]): number[] => {
  const m = row.reduce((a, b) => a + b, 0) / row.length;
  const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / row.length;
  return row.map((x) => (x - m) / Math.sqrt(v + eps));
};
const rmsRow = (eps: number) => (row: number[]): number[] => {
  const ms = row.reduce((a, b) => a + b * b, 0) / row.length;
  return row.map((x) => x / Math.sqrt(ms + eps));
};

describe.each(backends)('normalisation on $name', ({ backend }) => {
  describe('layerNorm', () => {
    it.each([
      [3, 17],
      [1, 1],
      [5, 127],
      [2, 768],
    ])('normalises [%i, %i] rows with weight and bias like a float64 reference', async (rows, n) => {
      const x = rand([rows, n], { seed: 131, low: -3, high: 5 });
      const w = rand([n], { seed: 132 });
      const b = rand([n], { seed: 133 });
      await checkOp(backend, (t, wt, bt) => layerNorm(t, wt, bt, 1e-5), [x, w, b], {
        expected: ([xv, wv, bv]) => rowwise(xv, n, lnRow(1e-5)).map((v, i) => v * wv[i % n] + bv[i % n]),
        shape: [rows, n],
        rtol: 1e-5,
        atol: 2e-6,
      });
    });

    it('works without affine parameters, with a bias only, and over several trailing axes', async () => {
      const x = rand([2, 3, 4], { seed: 134 });
      await checkOp(backend, (t) => layerNorm(t), [x], { expected: ([v]) => rowwise(v, 4, lnRow(1e-5)), atol: 2e-6 });
      const w = rand([3, 4], { seed: 135 });
      await checkOp(backend, (t, wt) => layerNorm(t, wt, null, 1e-6), [x, w], {
        expected: ([v, wv]) => rowwise(v, 12, lnRow(1e-6)).map((e, i) => e * wv[i % 12]),
        atol: 2e-6,
      });
      await checkOp(backend, (t) => layerNorm(t, null, null, 1e-5, 2), [x], { expected: ([v]) => rowwise(v, 12, lnRow(1e-5)), atol: 2e-6 });
      await checkOp(backend, (t, bt) => layerNorm(t, null, bt), [x, w], {
        expected: ([v, bv]) => rowwise(v, 12, lnRow(1e-5)).map((e, i) => e + bv[i % 12]),
        atol: 2e-6,
      });
    });

    it('is exact-zero on constant rows (eps keeps it finite)', async () => {
      await checkOp(backend, (t) => layerNorm(t), [host([3, 3, 3, 3], [1, 4])], { expected: [0, 0, 0, 0], atol: 0 });
    });

    it('reads a transposed input', async () => {
      const x = rand([6, 5], { seed: 136 });
      await checkOp(backend, (t) => layerNorm(transpose(t)), [x], {
        expected: ([v]) => rowwise(Float64Array.from({ length: 30 }, (_, i) => v[(i % 6) * 5 + Math.floor(i / 6)]), 6, lnRow(1e-5)),
        atol: 2e-6,
      });
    });

    it('has gradients for input, weight and bias matching finite differences', async () => {
      await checkGradients(backend, (t, w, b) => layerNorm(t, w, b), [rand([3, 17], { seed: 137 }), rand([17], { seed: 138 }), rand([17], { seed: 139 })], {
        exact: { rtol: 1e-5, atol: 1e-6 },
        tol: { rtol: 5e-3, atol: 5e-4 },
      });
      await checkGradients(backend, (t) => layerNorm(t, null, null, 1e-5, 2), [rand([2, 3, 4], { seed: 140 })], {
        exact: { rtol: 1e-5, atol: 1e-6 },
        tol: { rtol: 5e-3, atol: 5e-4 },
      });
    });

    it('names the mismatch when the weight does not fit the trailing axes', () => {
      const x = toTensor(rand([2, 5]), backend);
      const w = toTensor(rand([4]), backend);
      expect(() => layerNorm(x, w)).toThrow('layerNorm: parameter [4] does not match the trailing axes of input [2, 5]');
      x.dispose();
      w.dispose();
    });
  });

  describe('rmsNorm', () => {
    it.each([
      [3, 17],
      [4, 127],
      [1, 4096],
    ])('normalises [%i, %i] rows like LLaMA’s RMSNorm', async (rows, n) => {
      const x = rand([rows, n], { seed: 141 });
      const w = rand([n], { seed: 142 });
      await checkOp(backend, (t, wt) => rmsNorm(t, wt, 1e-6), [x, w], {
        expected: ([xv, wv]) => rowwise(xv, n, rmsRow(1e-6)).map((v, i) => v * wv[i % n]),
        rtol: 1e-5,
        atol: 2e-6,
      });
    });

    it('works without a weight and gives zeros for a zero row', async () => {
      await checkOp(backend, (t) => rmsNorm(t), [host([0, 0, 0, 1, 2, 3], [2, 3])], { expected: ([v]) => rowwise(v, 3, rmsRow(1e-6)) });
    });

    it('has gradients for input and weight matching finite differences', async () => {
      await checkGradients(backend, (t, w) => rmsNorm(t, w, 1e-6), [rand([3, 17], { seed: 143 }), rand([17], { seed: 144 })], {
        tol: { rtol: 5e-3, atol: 5e-4 },
      });
    });
  });
});
