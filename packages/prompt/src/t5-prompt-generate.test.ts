import { describe, expect, it } from 'vitest';
import { MethodRegistry, PeftModel } from '@peft/core';
import { expectClose, testBackends } from '@peft/core/testing';
import { generate } from '@peft/models';
import { caseDir, loadFixtureModel, readFixtureCase } from '@peft/testing';
import { promptTuning } from './index.js';

const backends = await testBackends();

describe.each(backends)('T5 generation with a prompt adapter on $name', ({ backend }) => {
  it('gives the same tokens and scores with the cache as without it, and the base model when disabled', async () => {
    const registry = new MethodRegistry();
    registry.register(promptTuning);
    const c = readFixtureCase('t5_prompt_random');
    const model = await loadFixtureModel('t5', backend);
    const peft = await PeftModel.fromPretrained(model, caseDir('t5_prompt_random'), { registry, warn: () => {} });
    peft.eval();
    const inputs = c.inputs.input_ids as number[][];
    const cached = await generate(peft, inputs, { maxNewTokens: 5, outputScores: true, eosTokenIds: [] });
    const uncached = await generate(peft, inputs, { maxNewTokens: 5, outputScores: true, eosTokenIds: [], useCache: false });
    expect(cached.sequences).toEqual(uncached.sequences);
    cached.scores!.forEach((step, i) => step.forEach((row, b) => expectClose(row, uncached.scores![i][b], { atol: 1e-5, rtol: 0 }, `step ${i} row ${b}`)));
    const base = await peft.disableAdapter(() => generate(peft, inputs, { maxNewTokens: 5, outputScores: true, eosTokenIds: [] }));
    const plain = await generate(model, inputs, { maxNewTokens: 5, outputScores: true, eosTokenIds: [] });
    expectClose(base.scores!.flat().flatMap((r) => [...r]), plain.scores!.flat().flatMap((r) => [...r]), { atol: 1e-6, rtol: 0 }, 'disabled adapter vs base');
    // the adapter changes what the decoder sees
    expect(Math.max(...cached.scores![0][0].map((v, i) => Math.abs(v - plain.scores![0][0][i])))).toBeGreaterThan(1e-3);
  });
});
