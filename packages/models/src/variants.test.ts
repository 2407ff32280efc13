/**
 * Checkpoints at other sizes and settings than the golden fixtures, saved as real ones come (bf16,
 * f16 shards, the transformers 5 config layout), against what transformers computes for them
 * (tools/model-variant-fixtures.py).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromArray, noGrad } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { loadPretrained } from './auto-model.js';
import { directorySource } from '@peft/core/node';
import { generate } from './generation/generate.js';
import { FIXTURES, type FixtureCase, flat, intTensor, meaningful } from './test-support/fixtures.js';

const backends = await testBackends();
const dir = (name: string) => join(FIXTURES, 'variants', name);
const reference = (name: string) => JSON.parse(readFileSync(join(dir(name), 'reference.json'), 'utf8')) as FixtureCase;
const tol = { atol: 1e-5, rtol: 0 };

describe.each(backends)('checkpoint variants on $name', ({ backend }) => {
  it.each(['gpt2-bf16', 'llama-f16-sharded'])('%s: logits at real positions, masked loss and left-padded greedy generation match transformers', async (name) => {
    const ref = reference(name);
    const model = await loadPretrained(directorySource(dir(name)), { backend, onWarning: () => {} });
    const { input_ids: ids, attention_mask: mask } = ref.inputs as { input_ids: number[][]; attention_mask: number[][] };
    const labels = ids.map((row, b) => row.map((t, s) => (mask[b][s] ? t : -100)));
    const out = noGrad(() => model.forward({ inputIds: intTensor(ids, backend), attentionMask: intTensor(mask, backend), labels: intTensor(labels, backend) }));
    const vocab = model.info.vocabSize;
    expectClose(meaningful(await readF64(out.logits), mask, vocab), meaningful(flat(ref.logits), mask, vocab), tol, `${name} logits`);
    expectClose(await readF64(out.loss!), [ref.loss], tol, `${name} loss`);
    const g = ref.generate;
    const gen = await generate(model, g.input_ids, { maxNewTokens: g.max_new_tokens, attentionMask: g.attention_mask, padTokenId: g.pad_token_id });
    expect(gen.sequences).toEqual(g.sequences);
  });

  it('bert-regression: a one-label head with token types and padding gives transformers’ values and MSE loss', async () => {
    const ref = reference('bert-regression');
    const model = await loadPretrained(directorySource(dir('bert-regression')), { backend, onWarning: () => {} });
    const inputs = ref.inputs as Record<string, number[][]>;
    const out = noGrad(() =>
      model.forward({
        inputIds: intTensor(inputs.input_ids, backend),
        attentionMask: intTensor(inputs.attention_mask, backend),
        tokenTypeIds: intTensor(inputs.token_type_ids, backend),
        labels: fromArray(ref.labels as number[], [2], { backend }),
      }),
    );
    expect(out.logits.shape).toEqual([2, 1]);
    expectClose(await readF64(out.logits), flat(ref.logits), tol, 'bert logits');
    expectClose(await readF64(out.loss!), [ref.loss], tol, 'bert loss');
  });
});
