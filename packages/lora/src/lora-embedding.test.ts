import { Embedding, Generator, fromArray } from '@peft/core';
import { mul, sum } from '@peft/core/plugin';
import { expectClose, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { type LoraConfig, loraConfig } from './config.js';
import { LoraEmbedding } from './lora-embedding.js';

const backends = await testBackends();

function ctxFor(config: LoraConfig, name = 'default') {
  return { adapterName: name, config, path: 'wte', targetKey: 'wte', generator: new Generator(3) };
}

describe.each(backends)('LoraEmbedding on $name', ({ backend }) => {
  const [vocab, dim, r] = [7, 4, 2];
  const ids = [1, 0, 3, 0, 6];

  function embeddingLayer(config: LoraConfig, paddingIdx: number | null = null): LoraEmbedding {
    const base = new Embedding(vocab, dim, { backend, generator: new Generator(4), paddingIdx });
    base.setRequiresGrad(false);
    const layer = new LoraEmbedding(base);
    layer.addAdapter('default', ctxFor(config));
    layer.activeAdapters = ['default'];
    return layer;
  }

  const idTensor = () => fromArray(ids, [1, ids.length], { dtype: 'i32', backend });

  it('adds Aᵀ[ids]·Bᵀ·scaling to the looked-up rows', async () => {
    const layer = embeddingLayer(loraConfig({ r, loraAlpha: 4, initLoraWeights: false }));
    const y = await readF64(layer.forward(idTensor()));
    const [w, a, b] = await Promise.all([readF64(layer.weight), readF64(layer.loraEmbeddingA.get('default')), readF64(layer.loraEmbeddingB('default'))]);
    const expected: number[] = [];
    for (const id of ids) {
      for (let d = 0; d < dim; d++) {
        let lora = 0;
        for (let t = 0; t < r; t++) lora += a[t * vocab + id] * b[d * r + t];
        expected.push(w[id * dim + d] + 2 * lora);
      }
    }
    expectClose(y, expected, { atol: 1e-5 });
  });

  it('names its parameters lora_embedding_A/B without .weight and reads like the table', () => {
    const layer = embeddingLayer(loraConfig({ r }), 0);
    expect([...layer.namedParameters()].map(([k, p]) => `${k} [${p.shape.join(',')}]`)).toEqual([
      'base_layer.weight [7,4]',
      'lora_embedding_A.default [2,7]',
      'lora_embedding_B.default [4,2]',
    ]);
    expect([...layer.adapterState('default').keys()]).toEqual(['lora_embedding_A', 'lora_embedding_B']);
    expect([layer.numEmbeddings, layer.embeddingDim, layer.paddingIdx]).toEqual([vocab, dim, 0]);
  });

  it('starts as a no-op by default (A zeros, B normal)', async () => {
    const layer = embeddingLayer(loraConfig({ r }));
    expect(Math.max(...(await readF64(layer.loraEmbeddingA.get('default'))).map(Math.abs))).toBe(0);
    expect(Math.max(...(await readF64(layer.loraEmbeddingB('default'))).map(Math.abs))).toBeGreaterThan(0);
  });

  it('gives the padding row of A no gradient', async () => {
    const layer = embeddingLayer(loraConfig({ r, initLoraWeights: false }), 0);
    const weights = toTensor(rand([1, ids.length, dim], { seed: 2 }), backend);
    sum(mul(layer.forward(idTensor()), weights)).backward();
    const g = await readF64(layer.loraEmbeddingA.get('default').grad!);
    for (let t = 0; t < r; t++) {
      expect(g[t * vocab + 0]).toBe(0);
      expect(Math.abs(g[t * vocab + 3])).toBeGreaterThan(0);
    }
  });

  it('has a [vocab, dim] delta and merges and unmerges exactly', async () => {
    const layer = embeddingLayer(loraConfig({ r, loraAlpha: 3, initLoraWeights: false }));
    const delta = layer.deltaWeight('default');
    expect(delta.shape).toEqual([vocab, dim]);
    const before = await readF64(layer.forward(idTensor()));
    const w0 = await readF64(layer.weight);
    layer.merge(['default']);
    expectClose(await readF64(layer.forward(idTensor())), before, { atol: 1e-5 });
    layer.unmerge();
    expectClose(await readF64(layer.weight), w0, { atol: 1e-6 });
  });

  it('removes one adapter and keeps the other in place', () => {
    const layer = embeddingLayer(loraConfig({ r }));
    layer.addAdapter('other', ctxFor(loraConfig({ r: 3 }), 'other'));
    layer.deleteAdapter('default');
    expect([...layer.namedParameters()].map(([k]) => k)).toEqual(['base_layer.weight', 'lora_embedding_A.other', 'lora_embedding_B.other']);
    expect(layer.adapterNames).toEqual(['other']);
  });

  it('refuses lora_bias', () => {
    const base = new Embedding(vocab, dim, { backend });
    expect(() => new LoraEmbedding(base).addAdapter('default', ctxFor(loraConfig({ r, loraBias: true })))).toThrow(/lora_bias=true is not supported for embedding/);
  });
});
