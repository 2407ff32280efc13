import { describe, expect, it } from 'vitest';
import { noGrad } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { loadPretrained } from '../auto-model.js';
import { directorySource } from '../directory-source.js';
import { flat, intTensor, modelDir, readCase } from '../test-support/fixtures.js';

const backends = await testBackends();

describe.each(backends)('GPT-2 on $name', ({ backend }) => {
  it('reproduces the fixture base logits of GPT2LMHeadModel', async () => {
    const model = await loadPretrained(directorySource(modelDir('gpt2')), { backend });
    const c = readCase('gpt2_lora');
    const logits = noGrad(() => model.forward({ inputIds: intTensor(c.inputs.input_ids, backend), attentionMask: intTensor(c.inputs.attention_mask, backend) }).logits);
    expect(logits.shape).toEqual([2, 8, 100]);
    expectClose(await readF64(logits), flat(c.logits_base), { atol: 1e-5, rtol: 0 }, 'gpt2 logits');
  });
});
