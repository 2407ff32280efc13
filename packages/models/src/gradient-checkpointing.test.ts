/**
 * Gradient checkpointing of the three model bodies: the same gradients as the plain forward (dropout
 * on), fewer bytes alive between forward and backward, and off whenever a KV cache is passed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PretrainedModel, defaultGenerator, manualSeed, setGradientCheckpointing, tidy } from '@peft/core';
import { KVCache, mean, mul } from '@peft/core/plugin';
import { readF64, testBackends } from '@peft/core/testing';
import { createModel } from './auto-model.js';
import { intTensor, modelDir } from './test-support/fixtures.js';

const backends = await testBackends();

/** The fixture config with every dropout probability raised, so the recomputation must replay masks. */
function configWithDropout(name: 'gpt2' | 'llama' | 'bert'): Record<string, unknown> {
  const config = JSON.parse(readFileSync(join(modelDir(name), 'config.json'), 'utf8')) as Record<string, unknown>;
  for (const key of ['attn_pdrop', 'resid_pdrop', 'attention_dropout', 'attention_probs_dropout_prob', 'hidden_dropout_prob']) {
    if (key in config) config[key] = 0.2;
  }
  return config;
}

const ids = [
  [3, 7, 11, 2, 9, 4],
  [5, 1, 8, 6, 2, 10],
];

describe.each(backends)('gradient checkpointing on $name', ({ backend }) => {
  describe.each(['gpt2', 'llama', 'bert'] as const)('%s', (name) => {
    const build = (): PretrainedModel => {
      manualSeed(3);
      const model = createModel(configWithDropout(name), { backend });
      model.train();
      return model;
    };

    /** Every parameter gradient after one forward and backward, and the bytes alive after the forward. */
    async function run(model: PretrainedModel, checkpointing: boolean): Promise<{ grads: Float64Array[]; forwardBytes: number }> {
      setGradientCheckpointing(model, checkpointing);
      model.zeroGrad();
      defaultGenerator().manualSeed(11);
      let forwardBytes = 0;
      tidy(() => {
        const before = backend.memory().liveBytes;
        const { logits } = model.forward({ inputIds: intTensor(ids, backend) });
        forwardBytes = backend.memory().liveBytes - before;
        mean(mul(logits, logits)).backward();
      });
      const grads = await Promise.all([...model.parameters()].map((p) => readF64(p.grad!)));
      return { grads, forwardBytes };
    }

    it('gives the gradients of the plain forward, dropout included, and keeps fewer bytes for backward', async () => {
      const model = build();
      const plain = await run(model, false);
      const recomputed = await run(model, true);
      expect(recomputed.grads.length).toBe(plain.grads.length);
      plain.grads.forEach((g, k) => expect(recomputed.grads[k]).toEqual(g));
      expect(recomputed.forwardBytes).toBeLessThan(plain.forwardBytes);
      model.dispose();
    });

    it('is off when a KV cache is passed (the cache is extended once, not again in backward)', () => {
      const model = build();
      setGradientCheckpointing(model);
      tidy(() => {
        const cache = new KVCache(model.info.numLayers);
        const { logits } = model.forward({ inputIds: intTensor(ids, backend), pastKeyValues: cache });
        mean(logits).backward();
        expect(cache.length).toBe(ids[0].length);
      });
      model.dispose();
    });
  });
});

describe('setGradientCheckpointing', () => {
  it('switches each model body and refuses a model without one', async () => {
    const [{ backend }] = backends;
    const model = createModel(configWithDropout('gpt2'), { backend });
    expect(setGradientCheckpointing(model)).toBe(1);
    expect(setGradientCheckpointing(model, false)).toBe(1);
    expect(() => setGradientCheckpointing(model.getInputEmbeddings())).toThrow(/setGradientCheckpointing: expected a model with a layer stack .* got Embedding with none/);
    model.dispose();
  });
});
