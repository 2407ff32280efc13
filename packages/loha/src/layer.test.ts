import { describe, expect, it } from 'vitest';
import { Conv1D, Generator, Linear, type Tensor, noGrad, tidy } from '@peft/core';
import { type LayerContext, type UnaryModule, add, linear, matmul } from '@peft/core/plugin';
import { expectClose, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { type LohaConfig, LohaLinear, lohaConfig } from './index.js';

const ctx = (config: LohaConfig, adapterName = 'default', seed = 1): LayerContext<LohaConfig> => ({ adapterName, config, path: 'proj', targetKey: 'proj', generator: new Generator(seed) });

/** The wrapped dense layer, with its forward. */
const baseOf = (layer: LohaLinear): UnaryModule => layer.baseLayer as UnaryModule;

/** Runs `fn` without recording and reads the result back. */
async function read(fn: () => Tensor): Promise<Float64Array> {
  const t = noGrad(() => tidy(fn));
  const v = await readF64(t);
  t.dispose();
  return v;
}

/** The columns (output features) of a row-major `[rows, cols]` matrix. */
function columns(d: Float64Array, rows: number, cols: number): Float64Array[] {
  return Array.from({ length: cols }, (_, j) => Float64Array.from({ length: rows }, (_, i) => d[i * cols + j]));
}

const backends = await testBackends();

describe.each(backends)('LohaLinear on $name', ({ backend }) => {
  const make = { backend, generator: new Generator(0) };
  const x = () => toTensor(rand([2, 3, 5], { seed: 3, low: -1, high: 1 }), backend);

  it('adds x·ΔWᵀ to the output of a Linear, with ΔW = (w1a·w1b) ⊙ (w2a·w2b) · alpha/r', async () => {
    const layer = new LohaLinear(new Linear(5, 6, make));
    layer.addAdapter('default', ctx(lohaConfig({ r: 2, alpha: 3, initWeights: false })));
    layer.activeAdapters = ['default'];
    const s = layer.adapterState('default');
    expect([...s].map(([k, p]) => [k, p.shape])).toEqual([['hada_w1_a', [6, 2]], ['hada_w1_b', [2, 5]], ['hada_w2_a', [6, 2]], ['hada_w2_b', [2, 5]]]);
    const [a1, b1, a2, b2] = await Promise.all([...s.values()].map((p) => readF64(p)));
    const delta = await read(() => layer.deltaWeight('default'));
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 5; j++) {
        const p = a1[i * 2] * b1[j] + a1[i * 2 + 1] * b1[5 + j];
        const q = a2[i * 2] * b2[j] + a2[i * 2 + 1] * b2[5 + j];
        expect(delta[i * 5 + j]).toBeCloseTo(p * q * 1.5, 5);
      }
    }
    const got = await read(() => layer.forward(x()));
    const want = await read(() => add(baseOf(layer).forward(x()), linear(x(), layer.deltaWeight('default'))));
    expectClose(got, want, { atol: 1e-6, rtol: 1e-6 });
    layer.dispose();
  });

  it('works on a GPT-2 Conv1D: the delta comes in the [in, out] layout and merging keeps the output', async () => {
    const layer = new LohaLinear(new Conv1D(6, 5, make));
    layer.addAdapter('default', ctx(lohaConfig({ r: 2, initWeights: false })));
    layer.activeAdapters = ['default'];
    expect(layer.adapterState('default').get('hada_w1_a')!.shape).toEqual([6, 2]);
    const delta = noGrad(() => layer.deltaWeight('default'));
    expect(delta.shape).toEqual([5, 6]);
    const want = await read(() => add(baseOf(layer).forward(x()), matmul(x(), delta)));
    expectClose(await read(() => layer.forward(x())), want, { atol: 1e-6, rtol: 1e-6 });
    layer.merge(['default']);
    expectClose(await read(() => layer.forward(x())), want, { atol: 1e-5, rtol: 1e-5 });
    delta.dispose();
    layer.dispose();
  });

  it('starts as a no-op by default (w2_b zeros) under the parameter names PEFT uses', async () => {
    const base = new Linear(5, 6, make);
    const layer = new LohaLinear(base);
    layer.addAdapter('default', ctx(lohaConfig({ r: 4 })));
    layer.activeAdapters = ['default'];
    expect([...layer.namedParameters()].map(([n]) => n)).toEqual([
      'base_layer.weight', 'base_layer.bias', 'hada_w1_a.default', 'hada_w1_b.default', 'hada_w2_a.default', 'hada_w2_b.default',
    ]);
    expect(Array.from(await readF64(layer.adapterState('default').get('hada_w2_b')!)).every((v) => v === 0)).toBe(true);
    expect(Array.from(await readF64(layer.adapterState('default').get('hada_w1_a')!)).some((v) => v !== 0)).toBe(true);
    expectClose(await read(() => layer.forward(x())), await read(() => base.forward(x())), { atol: 0, rtol: 0 });
    layer.dispose();
  });

  it('skips the whole adapter with module_dropout, in training only', async () => {
    const layer = new LohaLinear(new Linear(5, 6, make));
    layer.addAdapter('default', ctx(lohaConfig({ r: 2, initWeights: false, moduleDropout: 0.5 })));
    layer.activeAdapters = ['default'];
    const base = await read(() => baseOf(layer).forward(x()));
    const full = await read(() => layer.eval().forward(x()));
    expect(full.some((v, i) => Math.abs(v - base[i]) > 1e-3)).toBe(true);
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

  it('drops whole output rows of ΔW with rank_dropout and rescales the kept ones by 1/mean, in training only', async () => {
    const layer = new LohaLinear(new Linear(5, 16, make));
    layer.addAdapter('default', ctx(lohaConfig({ r: 2, initWeights: false, rankDropout: 0.5 })));
    layer.activeAdapters = ['default'];
    const base = await read(() => baseOf(layer).forward(x()));
    const full = await read(() => layer.eval().forward(x()));
    layer.train();
    const y = await read(() => layer.forward(x()));
    const dFull = columns(full.map((v, i) => v - base[i]), 6, 16);
    const dTrain = columns(y.map((v, i) => v - base[i]), 6, 16);
    const dropped = dTrain.map((c) => c.every((v) => Math.abs(v) < 1e-6));
    const kept = dropped.filter((d) => !d).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(16);
    dTrain.forEach((c, j) => {
      if (!dropped[j]) expectClose(c, dFull[j].map((v) => (v * 16) / kept), { atol: 1e-5, rtol: 1e-4 }, `column ${j}`);
    });
    layer.dispose();
  });

  it('removes one adapter and keeps the other working', async () => {
    const layer = new LohaLinear(new Linear(5, 6, make));
    layer.addAdapter('a', ctx(lohaConfig({ r: 2, initWeights: false }), 'a', 1));
    layer.addAdapter('b', ctx(lohaConfig({ r: 3, initWeights: false }), 'b', 2));
    layer.activeAdapters = ['b'];
    const before = await read(() => layer.forward(x()));
    const a = layer.adapterState('a').get('hada_w1_a')!;
    layer.deleteAdapter('a');
    expect(a.isDisposed).toBe(true);
    expect([...layer.namedParameters()].map(([n]) => n).filter((n) => n.startsWith('hada_'))).toEqual(['hada_w1_a.b', 'hada_w1_b.b', 'hada_w2_a.b', 'hada_w2_b.b']);
    expectClose(await read(() => layer.forward(x())), before, { atol: 0, rtol: 0 });
    expect(() => layer.adapterState('a')).toThrow(/no entry "a"/);
    layer.dispose();
  });
});
