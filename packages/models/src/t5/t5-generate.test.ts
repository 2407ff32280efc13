import { describe, expect, it } from 'vitest';
import { expectClose, testBackends } from '@peft/core/testing';
import { createModel } from '../auto-model.js';
import { generate } from '../generation/generate.js';
import { readCase } from '../test-support/fixtures.js';

/** A small FLAN-T5-like model with fresh weights (the fixture's random T5 always picks token 0): gated GELU, untied head, more decoder than encoder layers. */
const FLAN_LIKE = {
  model_type: 't5',
  architectures: ['T5ForConditionalGeneration'],
  vocab_size: 50,
  d_model: 32,
  d_kv: 8,
  d_ff: 48,
  num_layers: 2,
  num_decoder_layers: 3,
  num_heads: 4,
  relative_attention_num_buckets: 8,
  relative_attention_max_distance: 16,
  feed_forward_proj: 'gated-gelu',
  tie_word_embeddings: false,
  dropout_rate: 0,
  decoder_start_token_id: 0,
  pad_token_id: 0,
  eos_token_id: 1,
};

const backends = await testBackends();

describe.each(backends)('T5 generation on $name', ({ backend }) => {
  const load = () => Promise.resolve(createModel(FLAN_LIKE, { backend }));
  const inputs = (readCase('t5_lora').inputs.input_ids as number[][]).map((r) => r.map((t) => t % 50));

  it('decodes from the start token with the cache exactly as without it, greedy and sampled', async () => {
    const model = await load();
    const cached = await generate(model, inputs, { maxNewTokens: 6, outputScores: true });
    const uncached = await generate(model, inputs, { maxNewTokens: 6, useCache: false, outputScores: true });
    expect(cached.sequences.map((r) => r[0])).toEqual([0, 0]);
    expect(cached.sequences.flat().some((t) => t !== 0 && t !== 1), 'the model emits more than the start and stop tokens').toBe(true);
    expect(cached.sequences).toEqual(uncached.sequences);
    cached.scores!.forEach((step, i) => step.forEach((row, b) => expectClose(row, uncached.scores![i][b], { atol: 1e-5, rtol: 0 }, `step ${i} row ${b}`)));
    const sampled = await generate(model, inputs, { maxNewTokens: 6, doSample: true, seed: 7, temperature: 1.5 });
    const sampledUncached = await generate(model, inputs, { maxNewTokens: 6, doSample: true, seed: 7, temperature: 1.5, useCache: false });
    expect(sampled.sequences).toEqual(sampledUncached.sequences);
  });

  it('gives each row of a right-padded batch the tokens and scores it gets alone', async () => {
    const model = await load();
    const short = inputs[1].slice(0, 5);
    const batch = [inputs[0], [...short, 0, 0, 0]];
    const mask = [inputs[0].map(() => 1), [1, 1, 1, 1, 1, 0, 0, 0]];
    const together = await generate(model, batch, { maxNewTokens: 6, attentionMask: mask, outputScores: true, eosTokenIds: [] });
    const alone = await Promise.all([inputs[0], short].map((row) => generate(model, [row], { maxNewTokens: 6, outputScores: true, eosTokenIds: [] })));
    alone.forEach((a, b) => {
      expect(together.sequences[b]).toEqual(a.sequences[0]);
      a.scores!.forEach((step, i) => expectClose(together.scores![i][b], step[0], { atol: 1e-5, rtol: 0 }, `row ${b} step ${i}`));
    });
  });

  it('stops every row at the end-of-sequence token and fills finished rows with the pad id', async () => {
    const model = await load();
    const free = await generate(model, inputs, { maxNewTokens: 6, eosTokenIds: [] });
    // make a token of the first row the stop token: each row ends at its first one
    const stop = free.sequences[0][2];
    const stopped = await generate(model, inputs, { maxNewTokens: 6, eosTokenIds: [stop], padTokenId: 49 });
    stopped.sequences.forEach((row, b) => {
      const end = free.sequences[b].indexOf(stop, 1);
      const kept = end < 0 ? row.length : end + 1;
      expect(row.slice(0, kept)).toEqual(free.sequences[b].slice(0, kept));
      expect(row.slice(kept).every((t) => t === 49)).toBe(true);
    });
    expect(stopped.sequences[0].length).toBeLessThanOrEqual(free.sequences[0].length);
  });
});
