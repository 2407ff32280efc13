import { describe, expect, it } from 'vitest';
import { expectClose, liveBuffers, testBackends } from '@peft/core/testing';
import { loadPretrained } from '../auto-model.js';
import { directorySource } from '@peft/core/node';
import { flat, modelDir, readCase } from '../test-support/fixtures.js';
import { generate, generateStream, maskPositions } from './generate.js';

const backends = await testBackends();
const models = ['gpt2', 'llama'] as const;

describe.each(backends)('generate on $name', ({ backend }) => {
  describe.each(models)('with the %s fixture model', (name) => {
    const c = readCase(`${name}_lora_generate`);
    const load = () => loadPretrained(directorySource(modelDir(name)), { backend, onWarning: () => {} });

    it('reproduces the greedy tokens and scores transformers generated', async () => {
      const model = await load();
      const out = await generate(model, c.inputs.input_ids, { maxNewTokens: 8, outputScores: true });
      expect(out.sequences).toEqual(c.base_model.sequences);
      expectClose(out.scores!.flatMap((rows) => rows.flatMap((r) => [...r])), flat(c.base_model.scores), { atol: 1e-5, rtol: 0 }, 'scores');
    });

    it('continues a left-padded batch as transformers does', async () => {
      const model = await load();
      const p = c.left_padded_inputs;
      const out = await generate(model, p.input_ids, { maxNewTokens: 8, attentionMask: p.attention_mask, padTokenId: p.pad_token_id_used });
      expect(out.sequences).toEqual(c.left_padded_base_model.sequences);
    });

    it('gives the same tokens with and without the KV cache', async () => {
      const model = await load();
      const prompt = [[5, 9, 13, 2, 40, 41], [7, 7, 8, 60, 3, 12]];
      const opts = { maxNewTokens: 10, eosTokenIds: [] };
      const cached = await generate(model, prompt, opts);
      const uncached = await generate(model, prompt, { ...opts, useCache: false });
      expect(cached.sequences).toEqual(uncached.sequences);
      expect(cached.sequences[0]).toHaveLength(16);
    });

    it('frees everything it allocated, cache included, once it returns', async () => {
      const model = await load();
      await generate(model, [[5, 9, 13]], { maxNewTokens: 3, eosTokenIds: [] }); // first run compiles and makes constants
      const before = liveBuffers(backend);
      await generate(model, [[5, 9, 13], [4, 4, 4]], { maxNewTokens: 6, eosTokenIds: [], doSample: true, seed: 2 });
      await generate(model, [[5, 9, 13]], { maxNewTokens: 4, eosTokenIds: [], useCache: false });
      expect(liveBuffers(backend)).toBe(before);
    });

    it('frees the step it encoded ahead when every row stops early or the stream is left', async () => {
      const model = await load();
      const prompt = [[5, 9, 13], [4, 4, 4]];
      const greedy = await generate(model, prompt, { maxNewTokens: 4, eosTokenIds: [] }); // also compiles and makes constants
      const before = liveBuffers(backend);
      await generate(model, prompt, { maxNewTokens: 4, eosTokenIds: greedy.sequences.map((r) => r[3]) });
      for await (const tokens of generateStream(model, prompt, { maxNewTokens: 4, eosTokenIds: [] })) if (tokens.length) break;
      expect(liveBuffers(backend)).toBe(before);
    });

    it('reads back only the chosen ids, once per greedy step with the cache', async () => {
      const model = await load();
      const prompt = [[5, 9, 13], [4, 4, 4]];
      const read = backend.read.bind(backend);
      const sizes: number[] = [];
      backend.read = (view) => {
        sizes.push(view.shape.reduce((a, d) => a * d, 1));
        return read(view);
      };
      try {
        await generate(model, prompt, { maxNewTokens: 5, eosTokenIds: [] });
      } finally {
        backend.read = read;
      }
      expect(sizes).toEqual([2, 2, 2, 2, 2]);
    });

    it('keeps a row going unchanged while another row has stopped', async () => {
      const model = await load();
      const prompt = [[5, 9, 13, 2], [7, 7, 8, 60]];
      const free = await generate(model, prompt, { maxNewTokens: 6, eosTokenIds: [] });
      const stop = free.sequences[0][4]; // row 0 stops at its first new token
      const out = await generate(model, prompt, { maxNewTokens: 6, eosTokenIds: [stop], padTokenId: 0 });
      expect(free.sequences[1].slice(4)).not.toContain(stop); // so row 1 runs all six steps
      expect(out.sequences[0]).toEqual([...prompt[0], stop, 0, 0, 0, 0, 0]);
      expect(out.sequences[1]).toEqual(free.sequences[1]);
    });

    it('samples reproducibly for a seed and differently across seeds', async () => {
      const model = await load();
      const prompt = [[5, 9, 13]];
      const opts = { maxNewTokens: 12, doSample: true, temperature: 1.5, eosTokenIds: [] };
      const a = await generate(model, prompt, { ...opts, seed: 1 });
      const b = await generate(model, prompt, { ...opts, seed: 1 });
      const others = await Promise.all([2, 3, 4].map((seed) => generate(model, prompt, { ...opts, seed })));
      expect(a.sequences).toEqual(b.sequences);
      expect(others.some((o) => JSON.stringify(o.sequences) !== JSON.stringify(a.sequences))).toBe(true);
    });

    it('streams one token per row per step and stops when every row hit a stop token', async () => {
      const model = await load();
      const greedy = await generate(model, c.inputs.input_ids, { maxNewTokens: 8 });
      const stop = greedy.sequences.map((r) => r[6]); // each row's second new token
      const seen: (readonly number[])[] = [];
      for await (const tokens of generateStream(model, c.inputs.input_ids, { maxNewTokens: 8, eosTokenIds: stop, padTokenId: 0 })) seen.push(tokens);
      expect(seen.length).toBeLessThanOrEqual(2);
      expect(seen.every((t) => t.length === 2)).toBe(true);
      expect(seen.map((t) => t[0])).toEqual(greedy.sequences[0].slice(5, 5 + seen.length));
    });
  });
});

describe('maskPositions', () => {
  it('counts real tokens and puts 1 at padding, as transformers generate does', () => {
    expect(maskPositions([0, 0, 1, 1, 1])).toEqual([1, 1, 0, 1, 2]);
    expect(maskPositions([1, 1, 1])).toEqual([0, 1, 2]);
  });
});

describe('generate arguments', () => {
  it('rejects ragged prompts, a bad mask and bad sampling settings with clear errors', async () => {
    const model = await loadPretrained(directorySource(modelDir('gpt2')), { backend: backends[0].backend });
    await expect(generate(model, [[1, 2], [3]])).rejects.toThrow(/rows of equal length/);
    await expect(generate(model, [[1, 2]], { attentionMask: [[1]] })).rejects.toThrow(/attentionMask/);
    await expect(generate(model, [[1, 2]], { doSample: true, temperature: 0 })).rejects.toThrow(/temperature > 0/);
    await expect(generate(model, [[1, 2]], { topP: 1.5 })).rejects.toThrow(/topP in \(0, 1\]/);
    await expect(generate(model, [new Array(60).fill(3)], { maxNewTokens: 5 })).rejects.toThrow(/gpt2 has 64 learned positions; the longest prompt holds 60 tokens, so at most 4 new tokens fit, got maxNewTokens 5/);
    const padded = await generate(model, [new Array(60).fill(3)], { maxNewTokens: 2, attentionMask: [[...new Array(10).fill(0), ...new Array(50).fill(1)]], eosTokenIds: [] });
    expect(padded.sequences[0]).toHaveLength(62); // padding takes no positions
  });
});
