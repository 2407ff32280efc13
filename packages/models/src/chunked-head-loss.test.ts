/**
 * The loss-only forward (`returnLogits: false`): a causal LM (GPT-2, LLaMA untied and tied) and T5
 * compute their head and loss in chunks of tokens, with the same loss and parameter gradients as the
 * forward through the full logits.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Linear, type PretrainedModel, crossEntropy, manualSeed, tidy } from '@peft/core';
import { reshape } from '@peft/core/plugin';
import { expectClose, rand, readF64, testBackends, toTensor } from '@peft/core/testing';
import { createModel } from './auto-model.js';
import { causalLMLoss } from './causal-lm-loss.js';
import { chunkedHeadLoss } from './chunked-head-loss.js';
import { intTensor, modelDir } from './test-support/fixtures.js';

const backends = await testBackends();

const config = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;

const models = {
  gpt2: () => config(modelDir('gpt2')),
  llama: () => config(modelDir('llama')),
  'llama (tied head)': () => config(join(modelDir('llama'), '..', 'llama-qwen2')),
  t5: () => config(modelDir('t5')),
};

const ids = [
  [3, 7, 11, 2, 9, 4, 6],
  [5, 1, 8, 6, 2, 10, 12],
];
const labels = [
  [3, 7, 11, 2, 9, 4, 6],
  [5, 1, 8, -100, -100, 10, 12],
];

describe.each(backends)('chunkedHeadLoss on $name', ({ backend }) => {
  it.each([true, false])('equals the loss of the full logits over several chunks, with a bias (shift: %s)', async (shift) => {
    manualSeed(9);
    const head = new Linear(8, 29, { backend });
    const hidden = toTensor(rand([2, 7, 8], { seed: 91 }), backend, true);
    const target = intTensor(labels, backend);
    const run = async (chunked: boolean) => {
      for (const p of [...head.parameters(), hidden]) {
        p.grad?.dispose();
        p.grad = null;
      }
      const loss = tidy(() => {
        const l = chunked
          ? chunkedHeadLoss(head, hidden, target, { shift, chunkSize: 3 })
          : shift
            ? causalLMLoss(head.forward(hidden), target)
            : crossEntropy(reshape(head.forward(hidden), [14, 29]), reshape(target, [14]));
        l.backward();
        return l;
      });
      return [await readF64(loss), await readF64(hidden.grad!), await readF64(head.weight.grad!), await readF64(head.bias!.grad!)];
    };
    const full = await run(false);
    const chunked = await run(true);
    ['loss', 'dHidden', 'dWeight', 'dBias'].forEach((what, k) => expectClose(chunked[k], full[k], { rtol: 1e-5, atol: 1e-7 }, what));
  });
});

describe.each(backends)('the loss-only forward on $name', ({ backend }) => {
  describe.each(Object.keys(models) as (keyof typeof models)[])('%s', (name) => {
    const build = (frozenHead: boolean): PretrainedModel => {
      manualSeed(5);
      const model = createModel(models[name](), { backend });
      model.eval(); // no dropout: both forwards see the same function
      if (frozenHead) for (const p of model.getModule(model.info.outputHeadPath!).parameters()) p.requiresGrad = false;
      return model;
    };

    async function step(model: PretrainedModel, returnLogits: boolean) {
      model.zeroGrad();
      const loss = tidy(() => {
        const out = model.forward({ inputIds: intTensor(ids, backend), labels: intTensor(labels, backend), returnLogits });
        out.loss!.backward();
        return out.loss!;
      });
      const grads = await Promise.all([...model.namedParameters()].filter(([, p]) => p.requiresGrad).map(async ([path, p]) => [path, await readF64(p.grad!)] as const));
      return { loss: (await readF64(loss))[0], grads };
    }

    it.each([false, true])('gives the loss and gradients of the full logits (head frozen: %s)', async (frozenHead) => {
      const model = build(frozenHead);
      const full = await step(model, true);
      const chunked = await step(model, false);
      expect(Number.isFinite(full.loss)).toBe(true);
      expectClose([chunked.loss], [full.loss], { rtol: 1e-5 }, 'loss');
      expect(chunked.grads.map(([p]) => p)).toEqual(full.grads.map(([p]) => p));
      full.grads.forEach(([path, g], k) => expectClose(chunked.grads[k][1], g, { rtol: 1e-4, atol: 1e-6 }, `gradient of ${path}`));
    });

    it('says that a loss-only output has no logits', () => {
      const model = build(false);
      tidy(() => {
        const out = model.forward({ inputIds: intTensor(ids, backend), labels: intTensor(labels, backend), returnLogits: false });
        expect(() => out.logits).toThrow(/returnLogits: false/);
      });
    });
  });
});
