import { liveBuffers } from '../test-support/numeric.js';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend-interface.js';
import { withBackend } from '../backend-registry.js';
import { crossEntropy } from '../ops/loss.js';
import { fromArray, tensor } from '../ops/creation.js';
import { Generator } from '../random.js';
import { tidy } from '../scope.js';
import { testBackends } from '../test-support/backends.js';
import { AdamW } from '../optim/adamw.js';
import { clipGradNorm } from '../optim/clip-grad-norm.js';
import { GELU, ReLU } from './activations.js';
import { Linear } from './linear.js';
import { Sequential } from './sequential.js';

interface RunResult {
  losses: number[];
  weights: Float32Array;
  liveAfter: number[];
}

/** Trains Linear–act–Linear on a 2-D XOR-like task (class = sign of x0·x1) with AdamW. */
async function train(backend: Backend, seed: number, act: 'gelu' | 'relu', steps: number): Promise<RunResult> {
  const on = <T>(fn: () => T): T => withBackend(backend, fn);
  const g = new Generator(seed);
  const xs = g.normal(128);
  const labels = Array.from({ length: 64 }, (_, i) => (xs[2 * i] * xs[2 * i + 1] > 0 ? 1 : 0));
  const { x, y, model } = on(() => ({
    x: fromArray(xs, [64, 2]),
    y: tensor(labels, { dtype: 'i32' }),
    model: new Sequential(new Linear(2, 16, { generator: g }), act === 'gelu' ? new GELU() : new ReLU(), new Linear(16, 2, { generator: g })),
  }));
  const opt = new AdamW(model.parameters(), { lr: 0.05, weightDecay: 0.01 });
  const losses: number[] = [];
  const liveAfter: number[] = [];
  for (let s = 0; s < steps; s++) {
    const [loss, norm] = on(() => {
      const l = tidy(() => {
        const ce = crossEntropy(model.forward(x), y);
        ce.backward();
        return ce;
      });
      const n = clipGradNorm(model.parameters(), 5);
      opt.step();
      opt.zeroGrad();
      return [l, n];
    });
    losses.push(await loss.item());
    loss.dispose();
    norm.dispose();
    liveAfter.push(liveBuffers(backend));
  }
  const weights = await model.getParameter('0.weight').data();
  model.dispose();
  opt.dispose();
  x.dispose();
  y.dispose();
  return { losses, weights, liveAfter };
}

describe.each(await testBackends())('a 2-layer MLP trained with AdamW on $name', ({ backend }) => {
  it.each(['gelu', 'relu'] as const)('lowers the loss with %s', async (act) => {
    const { losses } = await train(backend, 11, act, 40);
    expect(losses[0]).toBeGreaterThan(0.5);
    expect(losses[39]).toBeLessThan(0.3 * losses[0]);
    expect(Math.min(...losses.slice(30))).toBeLessThan(Math.min(...losses.slice(0, 10)));
  });

  it('gives the same numbers twice from the same seed, and other numbers from another', async () => {
    const a = await train(backend, 5, 'gelu', 8);
    const b = await train(backend, 5, 'gelu', 8);
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
    const c = await train(backend, 6, 'gelu', 8);
    expect(c.losses).not.toEqual(a.losses);
  });

  it('keeps the live-buffer count flat over 20 steps', async () => {
    const { liveAfter } = await train(backend, 3, 'gelu', 20);
    expect(liveAfter[19]).toBe(liveAfter[1]);
    expect(new Set(liveAfter.slice(1)).size).toBe(1);
  });
});
