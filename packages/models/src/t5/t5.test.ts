import { describe, expect, it } from 'vitest';
import { noGrad } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { directorySource } from '@peft/core/node';
import { loadPretrained } from '../auto-model.js';
import { flat, intTensor, modelDir, readCase } from '../test-support/fixtures.js';
import type { T5ForConditionalGeneration } from './model.js';

const backends = await testBackends();
const exact = { atol: 1e-5, rtol: 0 };

describe.each(backends)('T5 on $name', ({ backend }) => {
  const load = async () => (await loadPretrained(directorySource(modelDir('t5')), { backend, onWarning: () => {} })) as T5ForConditionalGeneration;

  it('reproduces the fixture base logits of T5ForConditionalGeneration', async () => {
    const model = await load();
    const c = readCase('t5_lora');
    const logits = noGrad(
      () =>
        model.forward({
          inputIds: intTensor(c.inputs.input_ids, backend),
          attentionMask: intTensor(c.inputs.attention_mask, backend),
          decoderInputIds: intTensor(c.inputs.decoder_input_ids, backend),
        }).logits,
    );
    expect(logits.shape).toEqual([2, 5, 100]);
    expectClose(await readF64(logits), flat(c.logits_base), exact, 't5 logits');
  });
});
