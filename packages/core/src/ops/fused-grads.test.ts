import { describe, expect, it } from 'vitest';
import { testOpBackends } from '../test-support/backends.js';
import { expectClose, rand, readF64, toTensor } from '../test-support/numeric.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { fusedNormGrad, fusedSoftmaxGrad, fusedUnaryGrad } from './fused-grads.js';
import * as ops from './index.js';

const backends = await testOpBackends();

async function both(fused: Tensor | undefined, composite: Tensor, label: string, tol = { rtol: 2e-5, atol: 2e-6 }): Promise<void> {
  // a backend whose bindings are smaller than these tensors declines, and ops take the composite rule
  const binds = composite.backend.binds?.([composite.view()]) ?? true;
  if (!binds) {
    expect(fused, `${label}: no fused kernel for tensors larger than one binding`).toBeUndefined();
    composite.dispose();
    return;
  }
  expect(fused, `${label}: the backend offers the fused kernel`).toBeDefined();
  expectClose(await readF64(fused!), await readF64(composite), tol, label, composite.shape);
  fused!.dispose();
  composite.dispose();
}

describe.each(backends)('fused gradient kernels on $name', ({ backend }) => {
  it('give the tanh-GELU, erf-GELU and SiLU gradients of the composite rules, for strided inputs too', async () => {
    const x = toTensor(rand([24, 33], { seed: 5, low: -6, high: 6 }), backend);
    const gT = toTensor(rand([33, 24], { seed: 6 }), backend);
    const g = ops.transpose(gT, 0, 1);
    const c = Math.sqrt(2 / Math.PI);
    const expected = {
      gelu_tanh: () => {
        const t = ops.tanh(ops.mul(ops.add(x, ops.mul(ops.mul(ops.square(x), x), 0.044715)), c));
        const inner = ops.mul(ops.add(ops.mul(ops.square(x), 3 * 0.044715), 1), c);
        return ops.mul(g, ops.add(ops.mul(ops.add(t, 1), 0.5), ops.mul(ops.mul(ops.mul(x, 0.5), ops.sub(1, ops.square(t))), inner)));
      },
      gelu: () => ops.mul(g, ops.add(ops.mul(ops.add(ops.erf(ops.mul(x, Math.SQRT1_2)), 1), 0.5), ops.mul(x, ops.mul(ops.exp(ops.mul(ops.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI))))),
      silu: () => {
        const s = ops.sigmoid(x);
        return ops.mul(g, ops.mul(s, ops.add(ops.mul(x, ops.sub(1, s)), 1)));
      },
    } as const;
    for (const op of ['gelu_tanh', 'gelu', 'silu'] as const) {
      const composite = tidy(expected[op]);
      await both(fusedUnaryGrad(op, g, x), composite, `${op} gradient`);
    }
    x.dispose();
    gT.dispose();
  });

  it.each([37, 40])('give the softmax and log-softmax input gradients of the composite rules (rows of %i)', async (n) => {
    const x = toTensor(rand([6, 5, n], { seed: 7, low: -4, high: 4 }), backend);
    const g = toTensor(rand([6, 5, n], { seed: 8 }), backend);
    const y = ops.softmax(x, -1);
    const ly = ops.logSoftmax(x, -1);
    const prob = tidy(() => ops.mul(y, ops.sub(g, ops.sum(ops.mul(g, y), -1, true))));
    await both(fusedSoftmaxGrad(g, y, false), prob, 'softmax gradient');
    const logp = tidy(() => ops.sub(g, ops.mul(ops.exp(ly), ops.sum(g, -1, true))));
    await both(fusedSoftmaxGrad(g, ly, true), logp, 'log-softmax gradient');
    for (const t of [x, g, y, ly]) t.dispose();
  });

  it('give the layer-norm and RMS-norm input gradients of the composite rule, with and without a weight', async () => {
    const x = toTensor(rand([9, 130], { seed: 9, low: -3, high: 5 }), backend);
    const w = toTensor(rand([130], { seed: 10 }), backend);
    const gT = toTensor(rand([130, 9], { seed: 11 }), backend);
    const g = ops.transpose(gT, 0, 1);
    for (const kind of ['layer', 'rms'] as const) {
      for (const weight of [w, undefined]) {
        const composite = tidy(() => {
          const centered = kind === 'layer' ? ops.sub(x, ops.mean(x, -1, true)) : x;
          const inv = ops.rsqrt(ops.add(ops.mean(ops.square(centered), -1, true), 1e-5));
          const xhat = ops.mul(centered, inv);
          const gh = weight ? ops.mul(g, weight) : g;
          let inner = ops.mul(xhat, ops.mean(ops.mul(gh, xhat), -1, true));
          if (kind === 'layer') inner = ops.add(inner, ops.mean(gh, -1, true));
          return ops.mul(inv, ops.sub(gh, inner));
        });
        await both(fusedNormGrad(kind, g, x, weight, 1e-5), composite, `${kind} norm gradient ${weight ? 'with' : 'without'} weight`, { rtol: 1e-4, atol: 1e-5 });
      }
    }
    for (const t of [x, w, gT]) t.dispose();
  });

  it('decline inputs they do not cover, so that the composite rule runs', () => {
    const x = toTensor(rand([4, 3], { seed: 12 }), backend);
    const g = toTensor(rand([3], { seed: 13 }), backend);
    expect(fusedUnaryGrad('gelu', g, x)).toBeUndefined();
    expect(fusedSoftmaxGrad(g, x, false)).toBeUndefined();
    expect(fusedNormGrad('layer', g, x, undefined, 1e-5)).toBeUndefined();
    x.dispose();
    g.dispose();
  });
});
