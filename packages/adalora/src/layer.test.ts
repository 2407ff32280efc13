import { describe, expect, it } from 'vitest';
import { Conv1D, Generator, Linear, type Tensor, noGrad, randn } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { type AdaLoraConfig, SvdLinear, adaloraConfig, orthogonalRegularizer } from './index.js';

/** Row-major host matmul of a [n, k] and b [k, m]. */
function mm(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let t = 0; t < k; t++) out[i * m + j] += a[i * k + t] * b[t * m + j];
  return out;
}

function tr(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

const backends = await testBackends();
describe.each(backends)('SvdLinear on $name', ({ backend }) => {
  const ctx = (config: AdaLoraConfig, path = 'proj') => ({ adapterName: 'default', config, path, targetKey: 'proj', generator: new Generator(3) });

  it('adds x·(A⊙E)ᵀ·Bᵀ · alpha / (init_r + 1e-5) to the base output, and merges the same update', async () => {
    const base = new Linear(5, 7, { backend, generator: new Generator(1) });
    const layer = new SvdLinear(base);
    layer.addAdapter('default', ctx(adaloraConfig({ totalStep: 10, initR: 3, loraAlpha: 6, initLoraWeights: false })));
    layer.activeAdapters = ['default'];
    const x = randn([2, 5], { backend, generator: new Generator(2) });
    const [a, e, b] = await Promise.all(['lora_A', 'lora_E', 'lora_B'].map((k) => readF64(layer.adapterState('default').get(k)!)));
    const ae = a.map((v, i) => v * e[Math.floor(i / 5)]);
    const s = 6 / Math.fround(3 + 1e-5);
    const update = mm(mm(await readF64(x), tr(ae, 3, 5), 2, 5, 3), tr(b, 7, 3), 2, 3, 7).map((v) => v * s);
    const plain = await readF64(noGrad(() => base.forward(x)));
    const y = await readF64(noGrad(() => layer.forward(x)));
    expectClose(y, plain.map((v, i) => v + update[i]), { atol: 1e-5, rtol: 0 }, 'adapter output');
    expectClose(await readF64(layer.deltaWeight('default')), mm(b, ae, 7, 3, 5).map((v) => v * s), { atol: 1e-6, rtol: 0 }, 'delta weight');
  });

  it('starts as a no-op with E = 0 and A, B ~ N(0, 0.02²), and keeps ranknum unsaved and frozen', async () => {
    const layer = new SvdLinear(new Linear(64, 64, { backend }));
    layer.addAdapter('default', ctx(adaloraConfig({ totalStep: 10, initR: 16 })));
    const state = layer.adapterState('default');
    expect([...state.keys()]).toEqual(['lora_A', 'lora_B', 'lora_E']);
    expect((await readF64(state.get('lora_E')!)).every((v) => v === 0)).toBe(true);
    const a = await readF64(state.get('lora_A')!);
    const std = Math.sqrt(a.reduce((n, v) => n + v * v, 0) / a.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    const names = Object.fromEntries([...layer.namedParameters()].map(([k, p]) => [k, [p.shape, p.requiresGrad]]));
    expect(names['ranknum.default']).toEqual([[1], false]);
    expect(await readF64(layer.getParameter('ranknum.default'))).toEqual(new Float64Array([16]));
  });

  it('builds a module named in rank_pattern with the kept ranks, keeping init_r as ranknum', () => {
    const layer = new SvdLinear(new Conv1D(12, 4, { backend }));
    const rankPattern = new Map([['h.0.attn.c_attn.lora_E', [false, true, true, false]]]);
    layer.addAdapter('default', ctx(adaloraConfig({ totalStep: 10, initR: 4, rankPattern }), 'h.0.attn.c_attn'));
    const state = layer.adapterState('default');
    expect([state.get('lora_A')!.shape, state.get('lora_E')!.shape, state.get('lora_B')!.shape]).toEqual([[2, 4], [2, 1], [12, 2]]);
    expect(layer.ranknum.get('default')).toBe(4);
    expect(layer.deltaWeight('default').shape).toEqual([4, 12]);
  });

  it('holds a module whose ranks were all pruned as rank 0: saved as empty tensors, the base output unchanged', async () => {
    const base = new Linear(4, 3, { backend, generator: new Generator(1) });
    const layer = new SvdLinear(base);
    layer.addAdapter('default', ctx(adaloraConfig({ totalStep: 10, initR: 2, rankPattern: new Map([['proj.lora_E', [false, false]]]) })));
    layer.activeAdapters = ['default'];
    const state = layer.adapterState('default');
    expect([state.get('lora_A')!.shape, state.get('lora_E')!.shape, state.get('lora_B')!.shape]).toEqual([[0, 4], [0, 1], [3, 0]]);
    const x = randn([2, 4], { backend, generator: new Generator(2) });
    expectClose(await readF64(noGrad(() => layer.forward(x))), await readF64(noGrad(() => base.forward(x))), { atol: 0, rtol: 0 }, 'output');
    expect(await readF64(layer.deltaWeight('default'))).toEqual(new Float64Array(12));
  });

  it('frees an adapter and keeps the other', () => {
    const layer = new SvdLinear(new Linear(4, 4, { backend }));
    const c = adaloraConfig({ totalStep: 10, initR: 2 });
    layer.addAdapter('default', ctx(c));
    layer.addAdapter('other', { ...ctx(c), adapterName: 'other' });
    const gone = [...layer.adapterState('other').values()];
    layer.deleteAdapter('other');
    expect(gone.every((p) => p.isDisposed)).toBe(true);
    expect([...layer.namedParameters()].map(([k]) => k).sort()).toEqual(['base_layer.bias', 'base_layer.weight', 'lora_A.default', 'lora_B.default', 'lora_E.default', 'ranknum.default']);
  });
});

describe.each(backends)('orthogonalRegularizer on $name', ({ backend }) => {
  it('is the mean of ‖A·Aᵀ − I‖ and ‖Bᵀ·B − I‖ over the layers', async () => {
    const layers = [0, 1].map((i) => {
      const l = new SvdLinear(new Linear(5, 6, { backend }));
      l.addAdapter('default', { adapterName: 'default', config: adaloraConfig({ totalStep: 10, initR: 3, initLoraWeights: false }), path: `p${i}`, targetKey: 'p', generator: new Generator(10 + i) });
      return l;
    });
    const fro = (m: Float64Array, n: number): number => Math.sqrt(m.reduce((s, v, i) => s + (v - (i % (n + 1) === 0 ? 1 : 0)) ** 2, 0));
    let total = 0;
    for (const l of layers) {
      const a = await readF64(l.loraA.get('default'));
      const b = await readF64(l.loraB.get('default'));
      total += fro(mm(a, tr(a, 3, 5), 3, 5, 3), 3) + fro(mm(tr(b, 6, 3), b, 3, 6, 3), 3);
    }
    const reg = orthogonalRegularizer(layers, 'default') as Tensor;
    expectClose(await readF64(reg), [total / 4], { atol: 1e-4, rtol: 1e-6 }, 'regulariser');
    expect(orthogonalRegularizer([], 'default')).toBeUndefined();
  });
});
