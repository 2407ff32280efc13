import { describe, expect, it } from 'vitest';
import { type Tensor, noGrad, tidy } from '@peft/core';
import { linear, mul, sum } from '@peft/core/plugin';
import { expectClose, host, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { kron, kronFlops, kronLinear } from './kron.js';

const backends = await testBackends();

describe('kronFlops', () => {
  it('counts forming the product plus one matrix product, against two small products per row', () => {
    expect(kronFlops(16, [4, 4], [8, 8])).toEqual({ materialized: 1024 + 2 * 16 * 32 * 32, factored: 2 * 16 * 4 * 8 * 8 + 2 * 16 * 4 * 4 * 8 });
    // one row: forming a 4096² matrix costs far more than the two products
    const one = kronFlops(1, [64, 64], [64, 64]);
    expect(one.factored).toBeLessThan(one.materialized);
  });
});

describe.each(backends)('the Kronecker product on $name', ({ backend }) => {
  it('places A[i, j]·B in block (i, j), as torch.kron', async () => {
    const got = tidy(() => kron(toTensor(host([1, 2, 3, 4, 5, 6], [2, 3]), backend), toTensor(host([1, 10], [1, 2]), backend)));
    expect(got.shape).toEqual([2, 6]);
    expect(Array.from(await readF64(got))).toEqual([1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60]);
    got.dispose();
  });

  it('applies kron(A, B) to inputs without forming it, with the same values and gradients', async () => {
    const hs = [rand([2, 3, 12], { seed: 1 }), rand([3, 4], { seed: 2 }), rand([5, 3], { seed: 3 })]; // in = 4·3, out = 3·5
    const w = toTensor(rand([2, 3, 15], { seed: 4 }), backend);
    const run = (f: (x: Tensor, a: Tensor, b: Tensor) => Tensor) => {
      const xs = hs.map((h) => toTensor(h, backend, true));
      const y = tidy(() => {
        const out = f(xs[0], xs[1], xs[2]);
        sum(mul(out, w)).backward();
        return out.detach();
      });
      return { y, grads: xs.map((x) => x.grad!.detach()), free: () => xs.forEach((x) => x.dispose()) };
    };
    const factored = run(kronLinear);
    const materialized = run((x, a, b) => linear(x, kron(a, b)));
    expect(factored.y.shape).toEqual([2, 3, 15]);
    expectClose(await readF64(factored.y), await readF64(materialized.y), { atol: 1e-5, rtol: 1e-5 }, 'output');
    for (let k = 0; k < 3; k++) expectClose(await readF64(factored.grads[k]), await readF64(materialized.grads[k]), { atol: 1e-5, rtol: 1e-5 }, `gradient ${k}`);
    for (const r of [factored, materialized]) {
      r.free();
      r.y.dispose();
      r.grads.forEach((g) => g.dispose());
    }
    w.dispose();
  });

  it('names the shapes when the input does not fit the factors', () => {
    noGrad(() =>
      tidy(() => {
        const x = toTensor(rand([2, 10], { seed: 5 }), backend);
        const a = toTensor(rand([2, 3], { seed: 6 }), backend);
        const b = toTensor(rand([2, 3], { seed: 7 }), backend);
        expect(() => kronLinear(x, a, b)).toThrow('kronLinear: expected input [..., 9] for factors [2,3] ⊗ [2,3], got [2,10]');
      }),
    );
  });
});
