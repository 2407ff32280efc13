import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor.js';
import { testOpBackends } from '../test-support/backends.js';
import { checkGradients } from '../test-support/gradcheck.js';
import { host, rand, randInt, toTensor } from '../test-support/numeric.js';
import { checkOp } from '../test-support/op-check.js';
import { crossEntropy, mseLoss } from './loss.js';

const backends = await testOpBackends();

const ce = (logits: Tensor, target: Tensor): Tensor => crossEntropy(logits, target);
const mse = (pred: Tensor, target: Tensor): Tensor => mseLoss(pred, target);

/** float64 per-row negative log-likelihood, NaN-free; null where the target is ignored. */
function nll64(logits: ArrayLike<number>, classes: number, targets: ArrayLike<number>, ignore = -100): (number | null)[] {
  return Array.from(targets, (t, r) => {
    if (t === ignore) return null;
    const row = Array.from({ length: classes }, (_, j) => logits[r * classes + j]);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    return lse - row[t];
  });
}
const meanOf = (xs: (number | null)[]): number => {
  const kept = xs.filter((x): x is number => x !== null);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
};

describe.each(backends)('losses on $name', ({ backend }) => {
  describe('crossEntropy', () => {
    it.each([
      [5, 3],
      [17, 127],
      [1, 1],
      [4, 1000],
    ])('of [%i, %i] logits matches a float64 reference (mean, sum, none)', async (rows, classes) => {
      const logits = rand([rows, classes], { seed: 171, low: -5, high: 5 });
      const targets = randInt([rows], classes, { seed: 172 });
      const nll = (l: Float64Array, t: Float64Array) => nll64(l, classes, t);
      await checkOp(backend, ce, [logits, targets], { expected: ([l, t]) => [meanOf(nll(l, t))], shape: [], rtol: 1e-5 });
      await checkOp(backend, (l, t) => crossEntropy(l, t, { reduction: 'sum' }), [logits, targets], {
        expected: ([l, t]) => [nll(l, t).reduce<number>((a, b) => a + b!, 0)],
        rtol: 1e-5,
      });
      await checkOp(backend, (l, t) => crossEntropy(l, t, { reduction: 'none' }), [logits, targets], {
        expected: ([l, t]) => nll(l, t).map((v) => v!),
        shape: [rows],
        rtol: 1e-5,
        atol: 2e-6,
      });
    });

    it('skips targets equal to ignoreIndex and averages over the rest', async () => {
      const logits = rand([6, 4], { seed: 173 });
      const targets = host([1, -100, 3, -100, 0, 2], [6], 'i32');
      await checkOp(backend, ce, [logits, targets], { expected: ([l, t]) => [meanOf(nll64(l, 4, t))] });
      await checkOp(backend, (l, t) => crossEntropy(l, t, { reduction: 'none' }), [logits, targets], {
        expected: ([l, t]) => nll64(l, 4, t).map((v) => v ?? 0),
      });
      const custom = host([1, 7, 3, 7, 0, 2], [6], 'i32');
      await checkOp(backend, (l, t) => crossEntropy(l, t, { ignoreIndex: 7 }), [logits, custom], {
        expected: ([l, t]) => [meanOf(nll64(l, 4, t, 7))],
      });
    });

    it('is NaN when every target is ignored (as PyTorch), with a zero gradient', async () => {
      const logits = rand([3, 5], { seed: 174 });
      const targets = host([-100, -100, -100], [3], 'i32');
      await checkOp(backend, ce, [logits, targets], { expected: [NaN] });
      await checkOp(backend, (l, t) => crossEntropy(l, t, { reduction: 'sum' }), [logits, targets], { expected: [0] });
      const l = toTensor(logits, backend, true);
      const t = toTensor(targets, backend);
      crossEntropy(l, t).backward();
      expect(Array.from(await l.grad!.data())).toEqual(new Array(15).fill(0));
      l.dispose();
      t.dispose();
    });

    it('takes [batch, seq, classes] logits with [batch, seq] targets, and u32 targets', async () => {
      const logits = rand([2, 3, 7], { seed: 175 });
      const targets = randInt([2, 3], 7, { seed: 176 });
      await checkOp(backend, ce, [logits, targets], { expected: ([l, t]) => [meanOf(nll64(l, 7, t))], shape: [] });
      const u = randInt([2, 3], 7, { seed: 176, dtype: 'u32' });
      await checkOp(backend, ce, [logits, u], { expected: ([l, t]) => [meanOf(nll64(l, 7, t))] });
    });

    it('has gradients matching finite differences, ignored rows included', async () => {
      await checkGradients(backend, ce, [rand([5, 7], { seed: 177 }), host([1, -100, 6, 0, 1], [5], 'i32')]);
      await checkGradients(backend, (l, t) => crossEntropy(l, t, { reduction: 'none' }), [rand([2, 3, 4], { seed: 178 }), randInt([2, 3], 4, { seed: 179 })]);
      await checkGradients(backend, (l, t) => crossEntropy(l, t, { reduction: 'sum' }), [rand([17, 13], { seed: 180 }), randInt([17], 13, { seed: 181 })]);
    });

    it('rejects float targets and mismatched shapes with the shapes in the message', () => {
      const l = toTensor(rand([4, 3]), backend);
      const f = toTensor(rand([4]), backend);
      const t = toTensor(host([0, 1, 2], [3], 'i32'), backend);
      expect(() => crossEntropy(l, f)).toThrow('crossEntropy: expected i32 or u32 targets, got f32');
      expect(() => crossEntropy(l, t)).toThrow('crossEntropy: expected targets of shape [4] for logits [4, 3], got [3]');
      for (const x of [l, f, t]) x.dispose();
    });
  });

  describe('mseLoss', () => {
    it('averages, sums or keeps squared errors', async () => {
      const p = rand([3, 17], { seed: 182 });
      const q = rand([3, 17], { seed: 183 });
      const sq = (a: Float64Array, b: Float64Array) => a.map((v, i) => (v - b[i]) ** 2);
      await checkOp(backend, mse, [p, q], { expected: ([a, b]) => [sq(a, b).reduce((x, y) => x + y, 0) / 51] });
      await checkOp(backend, (a, b) => mseLoss(a, b, 'sum'), [p, q], { expected: ([a, b]) => [sq(a, b).reduce((x, y) => x + y, 0)] });
      await checkOp(backend, (a, b) => mseLoss(a, b, 'none'), [p, q], { expected: ([a, b]) => sq(a, b), shape: [3, 17] });
    });

    it('has gradients for both operands matching finite differences', async () => {
      await checkGradients(backend, mse, [rand([3, 17], { seed: 184 }), rand([3, 17], { seed: 185 })]);
    });
  });
});
