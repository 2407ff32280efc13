/**
 * A loss-only forward (`returnLogits: false`, what the Trainer's training step asks for) through
 * prefix tuning: the prefix keys and values reach the chunked loss, with the same loss and
 * prefix gradients as the forward through the full logits.
 */
import { MethodRegistry, getPeftModel } from '@peft/core';
import { testBackends } from '@peft/core/testing';
import { createTinyModel, expectLossOnlyStepMatches } from '@peft/testing';
import { describe, it } from 'vitest';
import { prefixTuningConfig } from './config.js';
import { prefixTuning } from './method.js';

const backends = await testBackends();
const registry = new MethodRegistry();
registry.register(prefixTuning);


describe.each(backends)('prefix tuning with a loss-only forward on $name', ({ backend }) => {
  it.each(['gpt2', 'llama', 't5'] as const)('gives %s the loss and prefix gradients of the full logits', async (base) => {
    const peft = await getPeftModel(createTinyModel(base, backend, 3), prefixTuningConfig({ numVirtualTokens: 4, taskType: base === 't5' ? 'SEQ_2_SEQ_LM' : 'CAUSAL_LM' }), { registry, warn: () => {} });
    await expectLossOnlyStepMatches(peft, backend, base);
  });
});
