import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { installTensorMethods } from '../tensor-methods.js';
import { customFunction } from './custom-function.js';
import { fromArray } from '../ops/creation.js';
import { add, mul } from '../ops/elementwise.js';
import { softmax } from '../ops/activation.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { transpose } from '../ops/views.js';
import { composite, tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { readsInput, readsOutput } from './saved-values.js';

installTensorMethods();
const backend = createCpuBackend();
const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));

/** Attention scores as a model computes them: q·kᵀ, plus a bias, through softmax, times v. */
function attention(q: Tensor, k: Tensor, v: Tensor, bias: Tensor, seen: Tensor[], wrap: boolean): Tensor {
  const body = (): Tensor => {
    const scores = matmul(q, transpose(k, 0, 1));
    const biased = add(scores, bias);
    const probs = softmax(biased, -1);
    seen.push(scores, biased, probs);
    return matmul(probs, v);
  };
  return wrap ? composite(body) : body();
}

async function gradsOf(wrap: boolean): Promise<{ grads: number[][]; seen: Tensor[]; live: number }> {
  const q = fromArray(values(6 * 4, 1), [6, 4], { backend });
  const k = fromArray(values(6 * 4, 2), [6, 4], { backend });
  const v = fromArray(values(6 * 4, 3), [6, 4], { backend });
  q.requiresGrad = true;
  k.requiresGrad = true;
  const bias = fromArray(values(36, 4), [6, 6], { backend });
  const seen: Tensor[] = [];
  let live = 0;
  tidy(() => {
    const out = attention(q, k, v, bias, seen, wrap);
    live = backend.memory().liveBytes;
    sum(mul(out, out)).backward();
  });
  const grads = [Array.from(await q.grad!.data()), Array.from(await k.grad!.data())];
  for (const t of [q, k, v, bias]) t.dispose();
  return { grads, seen, live };
}

describe('the values a composite keeps for the backward', () => {
  it('frees the scores and the biased scores (no rule reads them), keeps the probabilities, and leaves the gradients unchanged', async () => {
    const plain = await gradsOf(false);
    const freed = await gradsOf(true);
    expect(freed.grads).toEqual(plain.grads);
    const [scores, biased, probs] = freed.seen;
    expect(scores.valuesReleased).toBe(true);
    expect(biased.valuesReleased).toBe(true);
    expect(probs.valuesReleased).toBe(false); // softmax's gradient and the last matmul read it
    expect(plain.live - freed.live).toBe(2 * 36 * 4);
  });

  it('sees the readers inside a nested composite', async () => {
    const x = fromArray(values(8, 5), [8], { backend });
    x.requiresGrad = true;
    let shifted: Tensor | undefined;
    tidy(() => {
      const out = composite(() => {
        shifted = add(x, 1); // read only by the mul inside the nested composite
        const s = shifted;
        return composite(() => sum(mul(s, s)));
      });
      out.backward();
    });
    expect(shifted!.valuesReleased).toBe(false);
    const want = Array.from(await x.data()).map((v) => 2 * (v + 1));
    Array.from(await x.grad!.data()).forEach((g, i) => expect(g).toBeCloseTo(want[i], 5));
    x.dispose();
  });

  it('frees nothing when a custom function is among the nodes (its backward may read what it captured)', () => {
    const x = fromArray(values(4, 6), [4], { backend });
    x.requiresGrad = true;
    let captured: Tensor | undefined;
    tidy(() => {
      const out = composite(() => {
        captured = add(x, 1);
        const c = captured;
        // the backward reads `c`, which no node lists as an input
        return customFunction('scaled', [x], (a) => mul(a, 2), (g) => [mul(g, sum(c))]);
      });
      sum(out).backward();
    });
    expect(captured!.valuesReleased).toBe(false);
    x.dispose();
  });

  it('knows which rules read what: mul reads an input only when the other trains, softmax reads its output', () => {
    const a = fromArray([1, 2], [2], { backend });
    const b = fromArray([3, 4], [2], { backend });
    a.requiresGrad = true;
    const node = tidy(() => mul(a, b).node!);
    expect(readsInput(node, 0)).toBe(false); // b does not train: a's values are not needed
    expect(readsInput(node, 1)).toBe(true);
    expect(readsOutput('softmax')).toBe(true);
    expect(readsOutput('add')).toBe(false);
    a.dispose();
    b.dispose();
  });
});
