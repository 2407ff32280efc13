import { describe, expect, it } from 'vitest';
import { Conv1D, Generator, Linear, type Tensor, noGrad, tidy } from '@peft/core';
import { type LayerContext, type UnaryModule, add, linear, matmul, mul, sum } from '@peft/core/plugin';
import { expectClose, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { type LokrConfig, LokrLinear, lokrConfig } from './index.js';

const ctx = (config: LokrConfig, adapterName = 'default', seed = 1): LayerContext<LokrConfig> => ({ adapterName, config, path: 'proj', targetKey: 'proj', generator: new Generator(seed) });

/** The wrapped dense layer, with its forward. */
const baseOf = (layer: LokrLinear): UnaryModule => layer.baseLayer as UnaryModule;

/** Runs `fn` without recording and reads the result back. */
async function read(fn: () => Tensor): Promise<Float64Array> {
  const t = noGrad(() => tidy(fn));
  const v = await readF64(t);
  t.dispose();
  return v;
}

const backends = await testBackends();

describe.each(backends)('LokrLinear on $name', ({ backend }) => {
  const make = { backend, generator: new Generator(0) };
  const x = (rows = 3) => toTensor(rand([2, rows, 12], { seed: 3, low: -1, high: 1 }), backend);

  it('adds x·ΔWᵀ with ΔW = kron(W1, W2) · alpha/r, whichever way the product is applied', async () => {
    const layer = new LokrLinear(new Linear(12, 20, make));
    layer.addAdapter('default', ctx(lokrConfig({ r: 2, alpha: 3, initWeights: false })));
    layer.activeAdapters = ['default'];
    // out 20 = 4·5, in 12 = 3·4; r 2 < 5/2: W2 is a rank-2 product
    expect([...layer.adapterState('default')].map(([k, p]) => [k, p.shape])).toEqual([['lokr_w1', [4, 3]], ['lokr_w2_a', [5, 2]], ['lokr_w2_b', [2, 4]]]);
    const [w1, w2a, w2b] = await Promise.all([...layer.adapterState('default').values()].map((p) => readF64(p)));
    const delta = await read(() => layer.deltaWeight('default'));
    for (let p = 0; p < 4; p++) for (let q = 0; q < 5; q++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
      const w2 = w2a[q * 2] * w2b[j] + w2a[q * 2 + 1] * w2b[4 + j];
      expect(delta[(p * 5 + q) * 12 + i * 4 + j]).toBeCloseTo(w1[p * 3 + i] * w2 * 1.5, 5);
    }
    const want = await read(() => add(baseOf(layer).forward(x()), linear(x(), layer.deltaWeight('default'))));
    for (const path of ['materialized', 'factored', 'auto'] as const) {
      layer.kronPath = path;
      expectClose(await read(() => layer.forward(x())), want, { atol: 1e-5, rtol: 1e-5 }, path);
    }
    layer.dispose();
  });

  it('gives the same gradients through the factored and the materialized path', async () => {
    const layer = new LokrLinear(new Linear(12, 20, make));
    layer.addAdapter('default', ctx(lokrConfig({ r: 1, initWeights: false, decomposeBoth: true })));
    layer.activeAdapters = ['default'];
    const w = toTensor(rand([2, 3, 20], { seed: 8 }), backend);
    const grads = async (path: 'materialized' | 'factored') => {
      layer.kronPath = path;
      tidy(() => sum(mul(layer.forward(x()), w)).backward());
      const out = await Promise.all([...layer.adapterState('default').values()].map((p) => readF64(p.grad!)));
      layer.zeroGrad();
      return out;
    };
    const a = await grads('materialized');
    const b = await grads('factored');
    expect(a).toHaveLength(4);
    a.forEach((g, k) => expectClose(b[k], g, { atol: 1e-5, rtol: 1e-4 }, `parameter ${k}`));
    w.dispose();
    layer.dispose();
  });

  it('picks the factored path when it needs fewer multiply-adds', () => {
    const layer = new LokrLinear(new Linear(12, 20, make));
    layer.addAdapter('default', ctx(lokrConfig({ r: 8 })));
    // W1 [4, 3], W2 [5, 4]: forming ΔW costs 240 + 480 per row, the two products 120 + 96 per row
    expect(layer.usesFactoredPath('default', 1)).toBe(true);
    layer.kronPath = 'materialized';
    expect(layer.usesFactoredPath('default', 1)).toBe(false);
    layer.dispose();
  });

  it('works on a GPT-2 Conv1D: the delta comes in the [in, out] layout and merging keeps the output', async () => {
    const layer = new LokrLinear(new Conv1D(20, 12, make));
    layer.addAdapter('default', ctx(lokrConfig({ r: 4, initWeights: false })));
    layer.activeAdapters = ['default'];
    const delta = noGrad(() => layer.deltaWeight('default'));
    expect(delta.shape).toEqual([12, 20]);
    const want = await read(() => add(baseOf(layer).forward(x()), matmul(x(), delta)));
    expectClose(await read(() => layer.forward(x())), want, { atol: 1e-5, rtol: 1e-5 });
    layer.merge(['default']);
    expectClose(await read(() => layer.forward(x())), want, { atol: 1e-5, rtol: 1e-5 });
    delta.dispose();
    layer.dispose();
  });

  it.each([
    [true, 'lokr_w1'],
    ['lycoris', 'lokr_w2'],
  ] as const)('initWeights %s starts as a no-op with %s at zero', async (initWeights, zeroed) => {
    const layer = new LokrLinear(new Linear(12, 20, make));
    layer.addAdapter('default', ctx(lokrConfig({ r: 8, initWeights })));
    layer.activeAdapters = ['default'];
    const state = layer.adapterState('default');
    expect([...state.keys()]).toEqual(['lokr_w1', 'lokr_w2']);
    for (const [k, p] of state) expect(Array.from(await readF64(p)).every((v) => v === 0)).toBe(k === zeroed);
    expectClose(await read(() => layer.forward(x())), await read(() => baseOf(layer).forward(x())), { atol: 0, rtol: 0 });
    layer.dispose();
  });

  it('zeroes lokr_w1_a (or lokr_w2_b with lycoris) when the factors are decomposed', async () => {
    for (const [initWeights, zeroed] of [[true, 'lokr_w1_a'], ['lycoris', 'lokr_w2_b']] as const) {
      const layer = new LokrLinear(new Linear(64, 64, make));
      layer.addAdapter('default', ctx(lokrConfig({ r: 1, decomposeBoth: true, initWeights })));
      const state = layer.adapterState('default');
      expect([...state.keys()]).toEqual(['lokr_w1_a', 'lokr_w1_b', 'lokr_w2_a', 'lokr_w2_b']);
      for (const [k, p] of state) expect(Array.from(await readF64(p)).every((v) => v === 0)).toBe(k === zeroed);
      layer.dispose();
    }
  });

  it('skips the whole adapter with module_dropout, in training only', async () => {
    const layer = new LokrLinear(new Linear(12, 20, make));
    layer.addAdapter('default', ctx(lokrConfig({ r: 4, initWeights: false, moduleDropout: 0.5 })));
    layer.activeAdapters = ['default'];
    const base = await read(() => baseOf(layer).forward(x()));
    const full = await read(() => layer.eval().forward(x()));
    layer.train();
    const seen = new Set<string>();
    for (let k = 0; k < 24; k++) {
      const y = await read(() => layer.forward(x()));
      if (y.every((v, i) => v === base[i])) seen.add('skipped');
      else {
        expectClose(y, full, { atol: 1e-6, rtol: 1e-6 });
        seen.add('applied');
      }
    }
    expect([...seen].sort()).toEqual(['applied', 'skipped']);
    layer.dispose();
  });

  it.each([false, true])('drops whole output rows with rank_dropout (rank_dropout_scale %s), in training only', async (rescale) => {
    const layer = new LokrLinear(new Linear(12, 20, make));
    layer.addAdapter('default', ctx(lokrConfig({ r: 4, initWeights: false, rankDropout: 0.5, rankDropoutScale: rescale })));
    layer.activeAdapters = ['default'];
    const base = await read(() => baseOf(layer).forward(x()));
    const full = await read(() => layer.eval().forward(x()));
    layer.train();
    const y = await read(() => layer.forward(x()));
    const col = (v: Float64Array, j: number) => Float64Array.from({ length: 6 }, (_, i) => v[i * 20 + j] - base[i * 20 + j]);
    const dropped = Array.from({ length: 20 }, (_, j) => col(y, j).every((v) => Math.abs(v) < 1e-6));
    const kept = dropped.filter((d) => !d).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(20);
    const factor = rescale ? 20 / kept : 1;
    for (let j = 0; j < 20; j++) if (!dropped[j]) expectClose(col(y, j), col(full, j).map((v) => v * factor), { atol: 1e-5, rtol: 1e-4 }, `column ${j}`);
    layer.dispose();
  });

  it('removes one adapter and keeps the other working', async () => {
    const layer = new LokrLinear(new Linear(12, 20, make));
    layer.addAdapter('a', ctx(lokrConfig({ r: 2, initWeights: false }), 'a', 1));
    layer.addAdapter('b', ctx(lokrConfig({ r: 8, initWeights: false }), 'b', 2));
    layer.activeAdapters = ['b'];
    const before = await read(() => layer.forward(x()));
    const a = layer.adapterState('a').get('lokr_w1')!;
    layer.deleteAdapter('a');
    expect(a.isDisposed).toBe(true);
    expect([...layer.namedParameters()].map(([n]) => n).filter((n) => n.startsWith('lokr_'))).toEqual(['lokr_w1.b', 'lokr_w2.b']);
    expectClose(await read(() => layer.forward(x())), before, { atol: 0, rtol: 0 });
    expect(() => layer.adapterState('a')).toThrow('LokrLinear: no adapter "a" (adapters: b)');
    layer.dispose();
  });
});
