/**
 * T5 checkpoints at other settings than the golden fixture (tools/t5-variants.py): the v1.1 /
 * FLAN-T5 layout (gated GELU, untied head without rescaling, heads · d_kv ≠ d_model), 32 buckets with
 * a max distance of 64 over long inputs, and a bf16 file, against what transformers computes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { noGrad } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { directorySource } from '@peft/core/node';
import { loadPretrained } from '../auto-model.js';
import { generate } from '../generation/generate.js';
import { loadTokenizer } from '../tokenizer/load-tokenizer.js';
import { FIXTURES, type FixtureCase, flat, intTensor } from '../test-support/fixtures.js';

const backends = await testBackends();
const dir = (name: string) => join(FIXTURES, 'variants', name);
const reference = (name: string) => JSON.parse(readFileSync(join(dir(name), 'reference.json'), 'utf8')) as FixtureCase;
// the untied N(0, 1) heads give logits up to ~15, where float32 rounding reaches 1e-5: 2e-6 relative on top
const tol = { atol: 1e-5, rtol: 2e-6 };

describe.each(backends)('T5 checkpoint variants on $name', ({ backend }) => {
  it.each(['t5-v1_1-gated', 't5-buckets', 't5-bf16', 't5-tokenizer'])('%s: decoder logits, label loss and padded greedy generation match transformers', async (name) => {
    const ref = reference(name);
    const model = await loadPretrained(directorySource(dir(name)), { backend, onWarning: () => {} });
    const inputs = ref.inputs as Record<string, number[][]>;
    const out = noGrad(() =>
      model.forward({
        inputIds: intTensor(inputs.input_ids, backend),
        attentionMask: intTensor(inputs.attention_mask, backend),
        decoderInputIds: intTensor(inputs.decoder_input_ids, backend),
      } as Parameters<typeof model.forward>[0]),
    );
    expectClose(await readF64(out.logits), flat(ref.logits), tol, `${name} logits`);
    const loss = noGrad(
      () => model.forward({ inputIds: intTensor(inputs.input_ids, backend), attentionMask: intTensor(inputs.attention_mask, backend), labels: intTensor(ref.labels as number[][], backend) }).loss!,
    );
    expectClose(await readF64(loss), [ref.loss], tol, `${name} loss`);
    const g = ref.generate;
    const gen = await generate(model, g.input_ids, { maxNewTokens: g.max_new_tokens, attentionMask: g.attention_mask });
    expect(gen.sequences).toEqual(g.sequences);
  });

  it('reads the SentencePiece (Unigram) tokenizer.json of a T5 checkpoint as Python’s tokenizers does, ending with </s>', async () => {
    const ref = reference('t5-tokenizer');
    const tokenizer = await loadTokenizer(directorySource(dir('t5-tokenizer')));
    for (const { text, ids } of ref.tokenizer as { text: string; ids: number[] }[]) {
      expect(tokenizer.encode(text), text).toEqual(ids);
      expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(text);
    }
    expect(tokenizer.eosTokenId).toBe(1);
    expect(tokenizer.padTokenId).toBe(0);
  });
});
