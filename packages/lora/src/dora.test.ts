import { Conv1D, Embedding, Generator, Linear, type Module, fromArray, noGrad, tidy } from '@peft/core';
import { mul, sum } from '@peft/core/plugin';
import { expectClose, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { loraConfig } from './config.js';
import { LoraEmbedding } from './lora-embedding.js';
import { LoraLinear } from './lora-linear.js';

const backends = await testBackends();

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

/** Norm of each row of a row-major matrix. */
function rowNorms(m: ArrayLike<number>, rows: number, cols: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, i) => {
    let s = 0;
    for (let j = 0; j < cols; j++) s += m[i * cols + j] ** 2;
    return Math.sqrt(s);
  });
}

const dora = loraConfig({ r: 2, loraAlpha: 3, useDora: true, initLoraWeights: false });
const ctx = { adapterName: 'default', config: dora, path: 'proj', targetKey: 'proj', generator: new Generator(5) };

describe.each(backends)('DoRA on $name', ({ backend }) => {
  const [inF, outF, r, n, s] = [5, 4, 2, 3, 1.5];

  function doraLinear(base: Module & { setRequiresGrad(f: boolean): unknown }): LoraLinear {
    base.setRequiresGrad(false);
    const layer = new LoraLinear(base as Linear);
    layer.addAdapter('default', ctx);
    layer.activeAdapters = ['default'];
    return layer;
  }

  it('starts the magnitude at the row norms of W + s·B·A', async () => {
    const layer = doraLinear(new Linear(inF, outF, { backend, generator: new Generator(1) }));
    const [w, a, b, m] = await Promise.all(
      [layer.weight, layer.loraA.get('default').weight, layer.loraB.get('default').weight, layer.loraMagnitudeVector.get('default').weight].map(readF64),
    );
    const ba = mm(b, a, outF, r, inF);
    expectClose(m, rowNorms(w.map((v, i) => v + s * ba[i]), outF, inF), { atol: 1e-5 });
    expect([...layer.adapterState('default').keys()]).toEqual(['lora_A.weight', 'lora_B.weight', 'lora_magnitude_vector']);
    expect([...layer.namedParameters()].map(([k]) => k)).toContain('lora_magnitude_vector.default.weight');
  });

  it('computes (m/n − 1)·x·Wᵀ + (m/n)·s·x·Aᵀ·Bᵀ on top of the base, with no gradient through n', async () => {
    const layer = doraLinear(new Linear(inF, outF, { backend, generator: new Generator(1) }));
    const mag = layer.loraMagnitudeVector.get('default').weight;
    noGrad(() => tidy(() => void mag.assign(fromArray([0.5, 1.5, 2, 0.8], [outF], { backend }))));
    const x = rand([n, inF], { seed: 1 });
    const R = rand([n, outF], { seed: 2 });
    const y = layer.forward(toTensor(x, backend));
    const yv = await readF64(y);
    sum(mul(y, toTensor(R, backend))).backward();

    const [w, bias, a, b, m] = await Promise.all([layer.weight, layer.bias!, layer.loraA.get('default').weight, layer.loraB.get('default').weight, mag].map(readF64));
    const ba = mm(b, a, outF, r, inF);
    const nrm = rowNorms(w.map((v, i) => v + s * ba[i]), outF, inF);
    const xw = mm(x.values, tr(w, outF, inF), n, inF, outF);
    const xa = mm(x.values, tr(a, r, inF), n, inF, r);
    const lora = mm(xa, tr(b, outF, r), n, r, outF);
    const f = (o: number) => m[o] / nrm[o];
    expectClose(yv, xw.map((v, i) => v + bias[i % outF] + (f(i % outF) - 1) * v + f(i % outF) * s * lora[i]), { atol: 1e-5 });

    // gradients with n held constant
    const G = R.values.map((v, i) => v * f(i % outF)); // [n, out]
    const dB = mm(tr(G, n, outF), xa, outF, n, r).map((v) => v * s);
    const dA = mm(mm(tr(b, outF, r), tr(G, n, outF), r, outF, n), x.values, r, n, inF).map((v) => v * s);
    const dM = Float64Array.from({ length: outF }, (_, o) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += (R.values[i * outF + o] * (xw[i * outF + o] + s * lora[i * outF + o])) / nrm[o];
      return acc;
    });
    expectClose(await readF64(layer.loraB.get('default').weight.grad!), dB, { atol: 1e-5 });
    expectClose(await readF64(layer.loraA.get('default').weight.grad!), dA, { atol: 1e-5 });
    expectClose(await readF64(mag.grad!), dM, { atol: 1e-5 });
  });

  it('recomputes x·Wᵀ from the dropped-out input when dropout is active (all dropped: the base output alone)', async () => {
    const base = new Linear(inF, outF, { backend, generator: new Generator(1) });
    base.setRequiresGrad(false);
    const layer = new LoraLinear(base);
    layer.addAdapter('default', { ...ctx, config: loraConfig({ r: 2, loraAlpha: 3, useDora: true, initLoraWeights: false, loraDropout: 1 }) });
    layer.activeAdapters = ['default'];
    const mag = layer.loraMagnitudeVector.get('default').weight;
    noGrad(() => tidy(() => void mag.assign(fromArray([0.5, 1.5, 2, 0.8], [outF], { backend }))));
    const x = toTensor(rand([n, inF], { seed: 6 }), backend);
    const plain = await readF64(base.forward(x));
    expectClose(await readF64(layer.train().forward(x)), plain, { atol: 1e-6 });
    const evalOut = await readF64(layer.eval().forward(x));
    expect(Math.max(...evalOut.map((v, i) => Math.abs(v - plain[i])))).toBeGreaterThan(1e-3);
  });

  it.each([
    ['Linear', () => new Linear(inF, outF, { backend, generator: new Generator(1) })],
    ['Conv1D', () => new Conv1D(outF, inF, { backend, generator: new Generator(1) })],
  ] as const)('merges %s to the same output and unmerges to the old weight', async (_, make) => {
    const layer = doraLinear(make());
    const mag = layer.loraMagnitudeVector.get('default').weight;
    noGrad(() => tidy(() => void mag.assign(fromArray([0.5, 1.5, 2, 0.8], [outF], { backend }))));
    const x = toTensor(rand([n, inF], { seed: 3 }), backend);
    const before = await readF64(layer.forward(x));
    const w0 = await readF64(layer.weight);
    layer.merge(['default']);
    expectClose(await readF64(layer.forward(x)), before, { atol: 1e-5 });
    layer.unmerge();
    expectClose(await readF64(layer.weight), w0, { atol: 1e-6 });
  });

  it('on an embedding scales the rows by m/n and adds the scaled lookup', async () => {
    const [vocab, dim] = [6, 4];
    const base = new Embedding(vocab, dim, { backend, generator: new Generator(2) });
    base.setRequiresGrad(false);
    const layer = new LoraEmbedding(base);
    layer.addAdapter('default', { ...ctx, path: 'wte' });
    layer.activeAdapters = ['default'];
    const mag = layer.loraMagnitudeVector.get('default').weight;
    expect(mag.shape).toEqual([dim]);
    noGrad(() => tidy(() => void mag.assign(fromArray([1, 2, 0.5, 3], [dim], { backend }))));
    const ids = [2, 5, 0];
    const idt = fromArray(ids, [ids.length], { dtype: 'i32', backend });
    const y = await readF64(layer.forward(idt));
    const [w, a, b, m] = await Promise.all([layer.weight, layer.loraEmbeddingA.get('default'), layer.loraEmbeddingB('default'), mag].map(readF64));
    const ba = mm(b, a, dim, r, vocab); // [dim, vocab]
    const nrm = rowNorms(tr(w, vocab, dim).map((v, i) => v + s * ba[i]), dim, vocab);
    const expected = ids.flatMap((id) => Array.from({ length: dim }, (_, d) => (m[d] / nrm[d]) * (w[id * dim + d] + s * ba[d * vocab + id])));
    expectClose(y, expected, { atol: 1e-5 });
    const w0 = await readF64(layer.weight);
    layer.merge(['default']);
    expectClose(await readF64(layer.forward(idt)), y, { atol: 1e-5 });
    layer.unmerge();
    expectClose(await readF64(layer.weight), w0, { atol: 1e-6 });
  });
});
