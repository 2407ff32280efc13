import { Conv1D, Generator, Linear, type Tensor, fromArray, noGrad, tidy } from '@peft/core';
import { expectClose, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { type LoraConfig, loraConfig } from './config.js';
import { LoraLinear } from './lora-linear.js';

const backends = await testBackends();

/** Row-major product of [m, k] and [k, n]. */
function mm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * k + t] * b[t * n + j];
  return out;
}

function tr(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

function ctxFor(config: LoraConfig, name = 'default', extra: { rank?: number; alpha?: number } = {}) {
  return { adapterName: name, config, path: 'proj', targetKey: 'proj', generator: new Generator(7), ...extra };
}

async function values(t: Tensor): Promise<Float64Array> {
  return readF64(t);
}

describe.each(backends)('LoraLinear on $name', ({ backend }) => {
  const [inF, outF, r, n] = [6, 5, 3, 4];

  function linearLayer(config: LoraConfig, extra?: { rank?: number; alpha?: number }): LoraLinear {
    const base = new Linear(inF, outF, { backend, generator: new Generator(1) });
    base.setRequiresGrad(false);
    const layer = new LoraLinear(base);
    layer.addAdapter('default', ctxFor(config, 'default', extra));
    layer.activeAdapters = ['default'];
    return layer;
  }

  it('adds x·Aᵀ·Bᵀ·alpha/r to the base output', async () => {
    const layer = linearLayer(loraConfig({ r, loraAlpha: 6, initLoraWeights: false }));
    const x = rand([n, inF], { seed: 3 });
    const y = await values(layer.forward(toTensor(x, backend)));
    const [w, b, a, bb] = await Promise.all([layer.weight, layer.bias!, layer.loraA.get('default').weight, layer.loraB.get('default').weight].map(values));
    const base = mm(x.values, tr(w, outF, inF), n, inF, outF).map((v, i) => v + b[i % outF]);
    const lora = mm(mm(x.values, tr(a, r, inF), n, inF, r), tr(bb, outF, r), n, r, outF);
    expectClose(y, base.map((v, i) => v + lora[i] * 2), { atol: 1e-5 });
  });

  it('names its parameters as Hugging Face PEFT does', () => {
    const layer = linearLayer(loraConfig({ r, loraBias: true }));
    const names = [...layer.namedParameters()].map(([k, p]) => `${k} [${p.shape.join(',')}]`);
    expect(names).toEqual([
      'base_layer.weight [5,6]',
      'base_layer.bias [5]',
      'lora_A.default.weight [3,6]',
      'lora_B.default.weight [5,3]',
      'lora_B.default.bias [5]',
    ]);
    expect([...layer.adapterState('default').keys()]).toEqual(['lora_A.weight', 'lora_B.weight', 'lora_B.bias']);
  });

  it('reads like the wrapped module', () => {
    const layer = linearLayer(loraConfig({ r }));
    expect([layer.inFeatures, layer.outFeatures, layer.fanInFanOut]).toEqual([inF, outF, false]);
    expect(layer.weight).toBe((layer.baseLayer as Linear).weight);
    expect(layer.bias).toBe((layer.baseLayer as Linear).bias);
  });

  it('uses alpha/√r with rsLoRA and the rank and alpha a pattern gave', () => {
    expect(linearLayer(loraConfig({ r: 4, loraAlpha: 8, useRslora: true })).scalingOf('default')).toBe(4);
    expect(linearLayer(loraConfig({ r: 4, loraAlpha: 8 })).scalingOf('default')).toBe(2);
    const patterned = linearLayer(loraConfig({ r: 4, loraAlpha: 8 }), { rank: 2, alpha: 10 });
    expect(patterned.scalingOf('default')).toBe(5);
    expect(patterned.loraA.get('default').weight.shape).toEqual([2, inF]);
  });

  it('starts as a no-op with the default init and a gaussian A of std 1/r', async () => {
    const plain = linearLayer(loraConfig({ r }));
    expect(Math.max(...(await values(plain.deltaWeight('default'))).map(Math.abs))).toBe(0);
    const bigR = 16;
    const base = new Linear(400, 8, { backend });
    const layer = new LoraLinear(base);
    layer.addAdapter('default', ctxFor(loraConfig({ r: bigR, initLoraWeights: 'gaussian' })));
    const a = await values(layer.loraA.get('default').weight);
    const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(std).toBeGreaterThan(0.9 / bigR);
    expect(std).toBeLessThan(1.1 / bigR);
    expect(Math.max(...(await values(layer.loraB.get('default').weight)).map(Math.abs))).toBe(0);
  });

  it('keeps nn.Linear initialisation for both matrices with init false', async () => {
    const layer = linearLayer(loraConfig({ r, initLoraWeights: false }));
    const b = await values(layer.loraB.get('default').weight);
    expect(Math.max(...b.map(Math.abs))).toBeGreaterThan(0);
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(r));
  });

  it('merges to the same output and unmerges back to the old weight', async () => {
    const layer = linearLayer(loraConfig({ r, loraAlpha: 4, initLoraWeights: false, loraBias: true }));
    const lb = layer.loraB.get('default').bias!;
    noGrad(() => tidy(() => void lb.assign(fromArray([0.1, -0.2, 0.3, 0.4, -0.5], [outF], { backend }))));
    const x = toTensor(rand([n, inF], { seed: 5 }), backend);
    const before = await values(layer.forward(x));
    const [w0, b0] = await Promise.all([values(layer.weight), values(layer.bias!)]);
    layer.merge(['default']);
    expect(layer.mergedAdapters).toEqual(['default']);
    expectClose(await values(layer.forward(x)), before, { atol: 1e-5 });
    layer.unmerge();
    expectClose(await values(layer.weight), w0, { atol: 1e-6 });
    expectClose(await values(layer.bias!), b0, { atol: 1e-6 });
  });

  it('applies every active adapter and forgets a removed one', async () => {
    const layer = linearLayer(loraConfig({ r, initLoraWeights: false }));
    layer.addAdapter('other', ctxFor(loraConfig({ r: 2, loraAlpha: 4, initLoraWeights: false }), 'other'));
    const hx = rand([n, inF], { seed: 9 });
    const x = toTensor(hx, backend);
    const base = await values((layer.baseLayer as Linear).forward(x));
    const [d1, d2] = [await values(layer.deltaWeight('default')), await values(layer.deltaWeight('other'))];
    layer.activeAdapters = ['default', 'other'];
    const both = await values(layer.forward(x));
    const sum = d1.map((v, i) => v + d2[i]);
    expectClose(both, mm(hx.values, tr(sum, outF, inF), n, inF, outF).map((v, i) => v + base[i]), { atol: 1e-5 });
    layer.deleteAdapter('other');
    expect(layer.adapterNames).toEqual(['default']);
    expect([...layer.namedParameters()].some(([k]) => k.includes('other'))).toBe(false);
  });
});

describe.each(backends)('LoraLinear on a GPT-2 Conv1D on $name', ({ backend }) => {
  const [inF, outF, r, n] = [4, 6, 2, 3];

  it('keeps the [in, out] layout for deltaWeight and adds x·Aᵀ·Bᵀ·s', async () => {
    const base = new Conv1D(outF, inF, { backend, generator: new Generator(2) });
    base.setRequiresGrad(false);
    const layer = new LoraLinear(base);
    layer.addAdapter('default', ctxFor(loraConfig({ r, loraAlpha: 2, initLoraWeights: false, fanInFanOut: true })));
    layer.activeAdapters = ['default'];
    expect(layer.fanInFanOut).toBe(true);
    const delta = layer.deltaWeight('default');
    expect(delta.shape).toEqual([inF, outF]);
    const [a, b] = await Promise.all([values(layer.loraA.get('default').weight), values(layer.loraB.get('default').weight)]);
    expectClose(await values(delta), tr(mm(b, a, outF, r, inF), outF, inF), { atol: 1e-6 });
    const x = rand([n, inF], { seed: 4 });
    const xt = toTensor(x, backend);
    const y = await values(layer.forward(xt));
    const [w, bias] = await Promise.all([values(layer.weight), values(layer.bias!)]);
    const expected = mm(x.values, w, n, inF, outF).map((v, i) => v + bias[i % outF]);
    const lora = mm(x.values, tr(mm(b, a, outF, r, inF), outF, inF), n, inF, outF);
    expectClose(y, expected.map((v, i) => v + lora[i]), { atol: 1e-5 });
    const before = y;
    const w0 = w;
    layer.merge(['default']);
    expectClose(await values(layer.forward(xt)), before, { atol: 1e-5 });
    layer.unmerge();
    expectClose(await values(layer.weight), w0, { atol: 1e-6 });
  });
});
