import { type Backend, Conv1D, Generator, Linear, type Module, type Tensor, fromArray, noGrad, tidy } from '@peft/core';
import { withAdapterRows } from '@peft/core/plugin';
import { expectClose, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { type IA3Config, ia3Config } from './config.js';
import { Ia3Linear } from './layer.js';

const backends = await testBackends();
const [inF, outF, n] = [6, 5, 4];

/** Row-major product of [m, k] and [k, p]. */
function mm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, p: number): Float64Array {
  const out = new Float64Array(m * p);
  for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) for (let j = 0; j < p; j++) out[i * p + j] += a[i * k + t] * b[t * p + j];
  return out;
}

function tr(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

function ctxFor(config: IA3Config, name = 'default', path = 'mlp.proj', seed = 7) {
  return { adapterName: name, config, path, targetKey: path, generator: new Generator(seed) };
}

/** A frozen Linear or Conv1D with a non-zero bias (Conv1D starts with zeros). */
function baseLayer(kind: 'linear' | 'conv1d', backend: Backend): Module & { weight: Tensor; bias: Tensor } {
  const m = kind === 'linear' ? new Linear(inF, outF, { backend, generator: new Generator(1) }) : new Conv1D(outF, inF, { backend, generator: new Generator(1) });
  noGrad(() => tidy(() => void m.bias!.assign(toTensor(rand([outF], { seed: 11, low: -1, high: 1 }), backend))));
  m.setRequiresGrad(false);
  return m as Module & { weight: Tensor; bias: Tensor };
}

/** `x·Wᵀ + b` on the host, whatever the weight layout. */
function affine(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, kind: 'linear' | 'conv1d'): Float64Array {
  const wT = kind === 'linear' ? tr(w, outF, inF) : w; // [in, out]
  return mm(x, wT, n, inF, outF).map((v, i) => v + b[i % outF]);
}

describe.each(backends)('Ia3Linear on $name', ({ backend }) => {
  function layerWith(kind: 'linear' | 'conv1d', feedforward: boolean, init = false): Ia3Linear {
    const layer = new Ia3Linear(baseLayer(kind, backend) as never);
    const config = ia3Config({ targetModules: ['proj'], feedforwardModules: feedforward ? ['proj'] : [], initIa3Weights: init });
    layer.addAdapter('default', ctxFor(config));
    layer.activeAdapters = ['default'];
    return layer;
  }

  describe.each([{ kind: 'linear' as const }, { kind: 'conv1d' as const }])('wrapping a $kind', ({ kind }) => {
    it('scales the output of a module that is not feed-forward by a [out, 1] vector', async () => {
      const layer = layerWith(kind, false);
      expect(layer.ia3L.get('default').shape).toEqual([outF, 1]);
      const x = rand([n, inF], { seed: 3 });
      const y = await readF64(layer.forward(toTensor(x, backend)));
      const [w, b, l] = await Promise.all([layer.weight, layer.bias!, layer.ia3L.get('default')].map(readF64));
      expectClose(y, affine(x.values, w, b, kind).map((v, i) => v * l[i % outF]), { atol: 1e-5 });
    });

    it('scales the input of a feed-forward module by a [1, in] vector', async () => {
      const layer = layerWith(kind, true);
      expect(layer.ia3L.get('default').shape).toEqual([1, inF]);
      const x = rand([n, inF], { seed: 3 });
      const y = await readF64(layer.forward(toTensor(x, backend)));
      const [w, b, l] = await Promise.all([layer.weight, layer.bias!, layer.ia3L.get('default')].map(readF64));
      expectClose(y, affine(x.values.map((v, i) => v * l[i % inF]), w, b, kind), { atol: 1e-5 });
    });

    it.each([{ feedforward: false }, { feedforward: true }])('merges with the same output and unmerges to the original weight and bias (feed-forward: $feedforward)', async ({ feedforward }) => {
      const layer = layerWith(kind, feedforward);
      const x = toTensor(rand([n, inF], { seed: 5 }), backend);
      const before = await readF64(layer.forward(x));
      const [w0, b0, l] = await Promise.all([layer.weight, layer.bias!, layer.ia3L.get('default')].map(readF64));
      layer.merge(['default']);
      expect(layer.mergedAdapters).toEqual(['default']);
      const [w1, b1] = await Promise.all([layer.weight, layer.bias!].map(readF64));
      // the weight is scaled along the axis of the scaled features, in the weight's own layout
      const outAxisFirst = kind === 'linear';
      const scaledAt = (i: number): number => {
        const [row, col] = outAxisFirst ? [Math.floor(i / inF), i % inF] : [Math.floor(i / outF), i % outF];
        if (feedforward) return l[outAxisFirst ? col : row];
        return l[outAxisFirst ? row : col];
      };
      expectClose(w1, w0.map((v, i) => v * scaledAt(i)), { atol: 1e-7 }, 'merged weight');
      expectClose(b1, feedforward ? b0 : b0.map((v, i) => v * l[i]), { atol: 1e-7 }, 'merged bias');
      expectClose(await readF64(layer.forward(x)), before, { atol: 1e-5 }, 'merged output');
      layer.unmerge();
      expect(layer.mergedAdapters).toEqual([]);
      expectClose(await readF64(layer.weight), w0, { atol: 1e-7 }, 'unmerged weight');
      expectClose(await readF64(layer.bias!), b0, { atol: 1e-7 }, 'unmerged bias');
      expectClose(await readF64(layer.forward(x)), before, { atol: 1e-6 }, 'unmerged output');
    });

    it('gives as deltaWeight the change merging makes to the weight', async () => {
      const layer = layerWith(kind, false);
      const w0 = await readF64(layer.weight);
      const delta = await readF64(layer.deltaWeight('default'));
      expect(layer.deltaWeight('default').shape).toEqual(layer.weight.shape);
      layer.merge(['default']);
      expectClose(await readF64(layer.weight), w0.map((v, i) => v + delta[i]), { atol: 1e-6 });
    });
  });

  it('starts as a no-op with vectors of ones (init_ia3_weights)', async () => {
    for (const ff of [false, true]) {
      const layer = layerWith('linear', ff, true);
      expect([...(await readF64(layer.ia3L.get('default')))].every((v) => v === 1)).toBe(true);
      const x = toTensor(rand([n, inF], { seed: 9 }), backend);
      const base = await readF64((layer.baseLayer as Linear).forward(x));
      expectClose(await readF64(layer.forward(x)), base, { atol: 0, rtol: 0 });
    }
  });

  it('names its parameters as Hugging Face PEFT does and saves the vector as ia3_l', () => {
    const layer = layerWith('linear', true);
    const names = [...layer.namedParameters()].map(([k, p]) => `${k} [${p.shape.join(',')}]`);
    expect(names).toEqual(['base_layer.weight [5,6]', 'base_layer.bias [5]', 'ia3_l.default [1,6]']);
    expect([...layer.adapterState('default').keys()]).toEqual(['ia3_l']);
  });

  it('multiplies the vectors of several active adapters, input and output ones alike', async () => {
    const layer = new Ia3Linear(baseLayer('linear', backend) as never);
    const out = ia3Config({ targetModules: ['proj'], feedforwardModules: [], initIa3Weights: false });
    const inp = ia3Config({ targetModules: ['proj'], feedforwardModules: ['proj'], initIa3Weights: false });
    layer.addAdapter('a', ctxFor(out, 'a', 'proj', 1));
    layer.addAdapter('b', ctxFor(out, 'b', 'proj', 2));
    layer.addAdapter('c', ctxFor(inp, 'c', 'proj', 3));
    layer.activeAdapters = ['a', 'b', 'c'];
    const x = rand([n, inF], { seed: 4 });
    const y = await readF64(layer.forward(toTensor(x, backend)));
    const [w, b, la, lb, lc] = await Promise.all([layer.weight, layer.bias!, ...['a', 'b', 'c'].map((k) => layer.ia3L.get(k))].map(readF64));
    const expected = affine(x.values.map((v, i) => v * lc[i % inF]), w, b, 'linear').map((v, i) => v * la[i % outF] * lb[i % outF]);
    expectClose(y, expected, { atol: 1e-5 });
  });

  it('gives each row of a mixed batch its own adapter, a feed-forward one included', async () => {
    const layer = new Ia3Linear(baseLayer('linear', backend) as never);
    layer.addAdapter('out', ctxFor(ia3Config({ targetModules: ['proj'], feedforwardModules: [], initIa3Weights: false }), 'out', 'proj', 1));
    layer.addAdapter('in', ctxFor(ia3Config({ targetModules: ['proj'], feedforwardModules: ['proj'], initIa3Weights: false }), 'in', 'proj', 2));
    const x = toTensor(rand([3, inF], { seed: 8 }), backend);
    const single = async (names: string[]): Promise<Float64Array> => {
      layer.activeAdapters = names;
      return readF64(layer.forward(x));
    };
    const [o, i, none] = [await single(['out']), await single(['in']), await single([])];
    const mixed = await readF64(withAdapterRows(['out', 'in', '__base__'], () => layer.forward(x)));
    expectClose(mixed.subarray(0, outF), o.subarray(0, outF), { atol: 1e-6 }, 'row 0');
    expectClose(mixed.subarray(outF, 2 * outF), i.subarray(outF, 2 * outF), { atol: 1e-6 }, 'row 1');
    expectClose(mixed.subarray(2 * outF), none.subarray(2 * outF), { atol: 1e-6 }, 'row 2');
  });

  it('trains the vector: the gradient of sum(y) is x·Wᵀ summed over rows for output scaling', async () => {
    const layer = layerWith('linear', false);
    const x = rand([n, inF], { seed: 6 });
    tidy(() => layer.forward(toTensor(x, backend)).sum().backward());
    const [w, b] = await Promise.all([layer.weight, layer.bias!].map(readF64));
    const h = affine(x.values, w, b, 'linear');
    const expected = new Float64Array(outF);
    for (let i = 0; i < h.length; i++) expected[i % outF] += h[i];
    const grad = (layer.ia3L.get('default') as unknown as { grad: Tensor }).grad;
    expect(grad.shape).toEqual([outF, 1]);
    expectClose(await readF64(grad), expected, { atol: 1e-4 });
  });

  it('keeps a zero entry of the vector at zero through merge and unmerge, as PEFT does, and restores the rest', async () => {
    const layer = layerWith('linear', false, true);
    const l = layer.ia3L.get('default');
    noGrad(() => tidy(() => void l.assign(fromArray([0, 2, 0.5, 1e-3, -1], [outF, 1], { backend }))));
    const w0 = await readF64(layer.weight);
    layer.merge(['default']);
    layer.unmerge();
    const w1 = await readF64(layer.weight);
    expect(w1.every(Number.isFinite)).toBe(true);
    expectClose(w1.subarray(0, inF), new Float64Array(inF), { atol: 0, rtol: 0 }, 'row of the zero entry');
    expectClose(w1.subarray(inF), w0.subarray(inF), { atol: 1e-7 }, 'other rows');
  });

  it('holds adapters of both kinds side by side, and removes adapters', async () => {
    const layer = layerWith('linear', false, true);
    layer.addAdapter('other', ctxFor(ia3Config({ targetModules: ['proj'], feedforwardModules: ['proj'] }), 'other'));
    expect(layer.ia3L.get('other').shape).toEqual([1, inF]);
    expect(layer.isFeedforward('other')).toBe(true);
    expect([...layer.namedParameters()].map(([k]) => k)).toEqual(['base_layer.weight', 'base_layer.bias', 'ia3_l.default', 'ia3_l.other']);
    const gone = layer.ia3L.get('default');
    layer.deleteAdapter('default');
    expect(gone.isDisposed).toBe(true);
    expect([...layer.namedParameters()].map(([k]) => k)).toEqual(['base_layer.weight', 'base_layer.bias', 'ia3_l.other']);
    expect(() => layer.isFeedforward('default')).toThrow(/no adapter "default"/);
  });
});
