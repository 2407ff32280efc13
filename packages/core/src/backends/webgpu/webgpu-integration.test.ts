import { describe, expect, it } from 'vitest';
import type { Backend } from '../../backend-interface.js';
import { withBackend } from '../../backend-registry.js';
import { Embedding } from '../../nn/embedding.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import { Linear } from '../../nn/linear.js';
import { softmax } from '../../ops/activation.js';
import { fromArray, tensor } from '../../ops/creation.js';
import { dropout } from '../../ops/dropout.js';
import { crossEntropy } from '../../ops/loss.js';
import { AdamW } from '../../optim/adamw.js';
import { Generator } from '../../random.js';
import { tidy } from '../../scope.js';
import { testWebGPU } from '../../test-support/backends.js';
import { createCpuBackend } from '../cpu/cpu-backend.js';
import type { WebGPUBackend } from './webgpu-backend.js';
import { maxError } from '../../test-support/webgpu.js';

const gpu = (await testWebGPU()) as WebGPUBackend | null;
const cpu = createCpuBackend();
const gpus = gpu ? [{ name: 'webgpu', gpu }] : [];

/** A small forward/backward through the public tensor API; returns the loss, a gradient and an output. */
async function forwardBackward(backend: Backend): Promise<{ loss: number; grad: Float32Array; probs: Float32Array }> {
  return withBackend(backend, async () => {
    const g = new Generator(7);
    const w = fromArray(g.normal(5 * 6), [5, 6]).requireGrad();
    const x = fromArray(g.normal(4 * 3 * 6), [4, 3, 6]);
    const target = tensor([0, 4, 2, 1, 3, 3, 0, 1, 2, 4, 4, 0], { dtype: 'i32' });
    const { loss, probs } = tidy(() => {
      const h = x.matmul(w.transpose()); // [4, 3, 5] through a strided transpose
      const p = softmax(h.mul(0.5), -1);
      const l = crossEntropy(h.reshape([12, 5]), target).add(p.sum().mul(0));
      l.backward();
      return { loss: l, probs: p };
    });
    const out = { loss: await loss.item(), grad: await w.grad!.data(), probs: await probs.data() };
    for (const t of [w, x, target, loss, probs]) t.dispose();
    return out;
  });
}

describe.each(gpus)('the public tensor API on $name', ({ gpu }) => {
  it('computes the same forward and backward values as the CPU reference', async () => {
    const [g, c] = [await forwardBackward(gpu), await forwardBackward(cpu)];
    expect(Math.abs(g.loss - c.loss)).toBeLessThan(1e-5);
    expect(maxError(g.grad, c.grad)).toBeLessThan(1e-5);
    expect(maxError(g.probs, c.probs)).toBeLessThan(1e-6);
  });

  it('draws the same dropout mask as the CPU from the same seed', async () => {
    const run = (backend: Backend): Promise<Float32Array> =>
      withBackend(backend, async () => {
        const x = fromArray(new Float32Array(999).fill(1), [27, 37]);
        const y = dropout(x.transpose(), 0.3, { seed: 1234 });
        const d = await y.data();
        x.dispose();
        y.dispose();
        return d;
      });
    expect(Array.from(await run(gpu))).toEqual(Array.from(await run(cpu)));
  });

  it('trains an embedding, layer norm and linear model without leaking buffers or growing the pool', async () => {
    const result = await withBackend(gpu, async () => {
      const g = new Generator(3);
      const emb = new Embedding(50, 16, { generator: g });
      const norm = new LayerNorm(16);
      const head = new Linear(16, 50, { generator: g });
      const params = [...emb.parameters(), ...norm.parameters(), ...head.parameters()];
      const opt = new AdamW(params, { lr: 0.05 });
      const ids = tensor([[1, 5, 9, 1], [7, 7, 2, 40]], { dtype: 'i32' });
      const next = tensor([5, 9, 1, 3, 7, 2, 40, 1], { dtype: 'i32' });
      const losses: number[] = [];
      const live: number[] = [];
      const created: number[] = [];
      for (let step = 0; step < 12; step++) {
        const loss = tidy(() => {
          const h = norm.forward(emb.forward(ids));
          const l = crossEntropy(head.forward(h).reshape([8, 50]), next);
          l.backward();
          return l;
        });
        opt.step();
        opt.zeroGrad();
        losses.push(await loss.item());
        loss.dispose();
        live.push(gpu.memory().liveBuffers);
        created.push(gpu.pool.createdBuffers);
      }
      for (const m of [emb, norm, head]) m.dispose();
      opt.dispose();
      ids.dispose();
      next.dispose();
      return { losses, live, created };
    });
    expect(result.losses[11]).toBeLessThan(0.5 * result.losses[0]);
    // after the first steps (optimizer state appears on step 1) nothing accumulates
    expect(new Set(result.live.slice(2)).size).toBe(1);
    expect(new Set(result.created.slice(2)).size).toBe(1);
  });
});
