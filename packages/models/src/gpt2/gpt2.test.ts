import { describe, expect, it } from 'vitest';
import { concat, fromArray, noGrad, tidy, zeros } from '@peft/core';
import { KVCache, narrow } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { loadPretrained } from '../auto-model.js';
import { directorySource } from '@peft/core/node';
import { flat, intTensor, meaningful, modelDir, readCase } from '../test-support/fixtures.js';

const backends = await testBackends();
const exact = { atol: 1e-5, rtol: 0 };

describe.each(backends)('GPT-2 on $name', ({ backend }) => {
  const load = () => loadPretrained(directorySource(modelDir('gpt2')), { backend, onWarning: () => {} });

  it('reproduces the fixture base logits of GPT2LMHeadModel', async () => {
    const model = await load();
    const c = readCase('gpt2_lora');
    const logits = noGrad(() => model.forward({ inputIds: intTensor(c.inputs.input_ids, backend), attentionMask: intTensor(c.inputs.attention_mask, backend) }).logits);
    expect(logits.shape).toEqual([2, 8, 100]);
    expectClose(await readF64(logits), flat(c.logits_base), exact, 'gpt2 logits');
  });

  it.each(['left', 'right'])('reproduces the %s-padded batch at its real positions, and the shifted-label loss', async (side) => {
    const model = await load();
    const c = readCase(`gpt2_lora_pad_${side}`);
    const mask = c.inputs.attention_mask as number[][];
    const out = noGrad(() =>
      model.forward({ inputIds: intTensor(c.inputs.input_ids, backend), attentionMask: intTensor(mask, backend), labels: intTensor(c.labels, backend) }),
    );
    expectClose(meaningful(await readF64(out.logits), mask, 100), meaningful(flat(c.logits_base), mask, 100), exact, `${side}-padded logits`);
    expectClose(await readF64(out.loss!), [c.loss_base], exact, 'loss');
  });

  it('takes inputsEmbeds in place of ids (the prompt-tuning hook)', async () => {
    const model = await load();
    const c = readCase('gpt2_lora');
    const ids = intTensor(c.inputs.input_ids, backend);
    const viaIds = noGrad(() => model.forward({ inputIds: ids }).logits);
    const viaEmbeds = noGrad(() => model.forward({ inputsEmbeds: model.getInputEmbeddings().forward(ids) }).logits);
    expectClose(await readF64(viaEmbeds), await readF64(viaIds), { atol: 0, rtol: 0 }, 'embeds vs ids');
    // virtual tokens in front: the real tokens move to later positions, so their logits change
    const withPrompt = noGrad(() => {
      const virtual = zeros([2, 3, 32], { backend });
      return model.forward({ inputsEmbeds: concat([virtual, model.getInputEmbeddings().forward(ids)], 1) }).logits;
    });
    expect(withPrompt.shape).toEqual([2, 11, 100]);
    expect(() => model.forward({})).toThrow(/exactly one of inputIds and inputsEmbeds, got neither/);
  });

  it('attends over a prefix handed in as past key values, with positions after it (the prefix-tuning hook)', async () => {
    const model = await load();
    const c = readCase('gpt2_lora');
    const ids = intTensor(c.inputs.input_ids, backend);
    // the prefix is what the model itself computes for two leading tokens: then prefix + rest == the whole sequence
    const whole = noGrad(() => model.forward({ inputIds: ids }).logits);
    const cache = new KVCache(2, { persistent: true });
    noGrad(() => tidy(() => model.forward({ inputIds: narrow(ids, 1, 0, 2).contiguous(), pastKeyValues: cache })));
    const prefix = KVCache.fromPrefix([cache.layer(0)!, cache.layer(1)!]);
    const rest = noGrad(() =>
      model.forward({ inputIds: narrow(ids, 1, 2, 6).contiguous(), attentionMask: fromArray(new Array(16).fill(1), [2, 8], { dtype: 'i32', backend }), pastKeyValues: prefix }).logits,
    );
    expect(prefix.length).toBe(8);
    expectClose(await readF64(rest), await readF64(narrow(whole, 1, 2, 6).contiguous()), exact, 'prefix + rest vs whole');
    cache.dispose();
  });
});
