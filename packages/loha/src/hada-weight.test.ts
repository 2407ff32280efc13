import { describe, expect, it } from 'vitest';
import { type Tensor, createCpuBackend, tidy } from '@peft/core';
import { matmul, mul, sum } from '@peft/core/plugin';
import { expectClose, liveBuffers, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { hadaWeight } from './hada-weight.js';

const SHAPES = [[6, 3], [3, 5], [6, 3], [3, 5]];
const SCALE = 1.5;
const inputs = () => SHAPES.map((s, i) => rand(s, { seed: 20 + i, low: -1, high: 1 }));
const weights = rand([6, 5], { seed: 9, low: -1, high: 1 });

/** The same weight written with ordinary ops (recorded op by op). */
const composed = (a1: Tensor, b1: Tensor, a2: Tensor, b2: Tensor): Tensor => mul(mul(matmul(a1, b1), matmul(a2, b2)), SCALE);

/** Gradients of sum(f(...) ⊙ weights) with respect to the four factors, read back. */
function gradients(backend: Parameters<typeof toTensor>[1], f: (a1: Tensor, b1: Tensor, a2: Tensor, b2: Tensor) => Tensor, requires = [true, true, true, true]): Promise<(Float64Array | null)[]> {
  const xs = inputs().map((h, i) => toTensor(h, backend, requires[i]));
  tidy(() => sum(mul(f(xs[0], xs[1], xs[2], xs[3]), toTensor(weights, backend))).backward());
  const out = Promise.all(xs.map((x) => (x.grad ? readF64(x.grad) : Promise.resolve(null))));
  return out.finally(() => xs.forEach((x) => x.dispose()));
}

const backends = await testBackends();

describe.each(backends)('hadaWeight on $name', ({ backend }) => {
  it('is the scaled Hadamard product of the two rank-r products', async () => {
    const [a1, b1, a2, b2] = inputs();
    const want = new Float64Array(30);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 5; j++) {
        let p = 0;
        let q = 0;
        for (let k = 0; k < 3; k++) {
          p += a1.values[i * 3 + k] * b1.values[k * 5 + j];
          q += a2.values[i * 3 + k] * b2.values[k * 5 + j];
        }
        want[i * 5 + j] = p * q * SCALE;
      }
    }
    const got = tidy(() => {
      const xs = inputs().map((h) => toTensor(h, backend));
      return hadaWeight(xs[0], xs[1], xs[2], xs[3], SCALE);
    });
    expectClose(await readF64(got), want, { atol: 1e-6, rtol: 1e-6 });
    got.dispose();
  });

  it('has the gradients of the composed ops', async () => {
    const ours = await gradients(backend, (a1, b1, a2, b2) => hadaWeight(a1, b1, a2, b2, SCALE));
    const theirs = await gradients(backend, composed);
    for (let k = 0; k < 4; k++) expectClose(ours[k]!, theirs[k]!, { atol: 1e-6, rtol: 1e-5 }, `factor ${k}`);
  });

  it('computes no gradient for a frozen factor', async () => {
    const grads = await gradients(backend, (a1, b1, a2, b2) => hadaWeight(a1, b1, a2, b2, SCALE), [true, false, true, false]);
    expect(grads.map((g) => g !== null)).toEqual([true, false, true, false]);
    const all = await gradients(backend, composed);
    expectClose(grads[2]!, all[2]!, { atol: 1e-6, rtol: 1e-5 });
  });

  it('records one graph node and keeps neither product for backward', () => {
    tidy(() => {
      const xs = inputs().map((h) => toTensor(h, backend, true));
      const before = liveBuffers(backend);
      const d = hadaWeight(xs[0], xs[1], xs[2], xs[3], SCALE);
      expect(d.node?.op).toBe('custom');
      expect(d.node?.inputs).toEqual(xs);
      // the two [6, 5] products and the unscaled weight were freed: only the result's buffer is new
      expect(liveBuffers(backend) - before).toBe(1);
    });
  });
});

describe('hadaWeight gradients in float64', () => {
  it('match central finite differences', async () => {
    const exact = createCpuBackend({ precision: 'f64' });
    const analytic = await gradients(exact, (a1, b1, a2, b2) => hadaWeight(a1, b1, a2, b2, SCALE));
    const objective = async (values: Float64Array[]): Promise<number> => {
      const y = tidy(() => {
        const xs = values.map((v, i) => toTensor({ values: v, shape: SHAPES[i] }, exact));
        return hadaWeight(xs[0], xs[1], xs[2], xs[3], SCALE);
      });
      const yv = await readF64(y);
      y.dispose();
      return yv.reduce((s, v, i) => s + v * weights.values[i], 0);
    };
    const base = inputs().map((h) => Float64Array.from(h.values));
    const eps = 1e-6;
    for (let k = 0; k < 4; k++) {
      const numeric = new Float64Array(base[k].length);
      for (let i = 0; i < numeric.length; i++) {
        const plus = base.map((v) => Float64Array.from(v));
        const minus = base.map((v) => Float64Array.from(v));
        plus[k][i] += eps;
        minus[k][i] -= eps;
        numeric[i] = ((await objective(plus)) - (await objective(minus))) / (2 * eps);
      }
      expectClose(analytic[k]!, numeric, { atol: 1e-7, rtol: 1e-6 }, `factor ${k}`);
    }
  });
});
