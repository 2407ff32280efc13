import { describe, expect, it } from 'vitest';
import { ConfigError, Embedding, Generator, MethodRegistry, PeftModel, noGrad } from '@peft/core';
import { readF64, testBackends } from '@peft/core/testing';
import { createTinyModel, tinyBatch } from '@peft/testing';
import { promptTuningConfig } from './config.js';
import { createPromptTuningEncoder, initTokenIds } from './encoder.js';
import { promptTuning } from './method.js';

const backends = await testBackends();

describe('TEXT init token ids', () => {
  it('repeat the text’s ids cyclically up to the number of virtual tokens, as PEFT does', () => {
    expect(initTokenIds([4, 5, 6], 7)).toEqual([4, 5, 6, 4, 5, 6, 4]);
  });

  it('cut a longer text to the number of virtual tokens', () => {
    expect(initTokenIds([4, 5, 6, 7], 2)).toEqual([4, 5]);
  });

  it('refuse a text without tokens', () => {
    expect(() => initTokenIds([], 3)).toThrow(ConfigError);
  });
});

describe('prompt tuning config', () => {
  it('requires the init text and the tokenizer for TEXT init, naming the missing key', () => {
    expect(() => promptTuningConfig({ promptTuningInit: 'TEXT', tokenizerNameOrPath: 'gpt2' })).toThrow(/prompt_tuning_init_text/);
    expect(() => promptTuningConfig({ promptTuningInit: 'TEXT', promptTuningInitText: 'hello' })).toThrow(/tokenizer_name_or_path/);
  });
});

describe.each(backends)('prompt tuning encoder on $name', ({ backend }) => {
  const info = { hiddenSize: 6 } as never;
  const wordEmbeddings = new Embedding(10, 6, { backend, generator: new Generator(3) });

  it('copies the token rows of the init text (TEXT), through the tokenize option', async () => {
    const config = promptTuningConfig({ numVirtualTokens: 5, tokenDim: 6, promptTuningInit: 'TEXT', promptTuningInitText: 'a b', tokenizerNameOrPath: 'tiny' });
    const seen: (string | null)[] = [];
    const enc = await createPromptTuningEncoder(config, { info, wordEmbeddings, backend, tokenize: (text, tok) => (seen.push(tok), text === 'a b' ? [7, 2] : []) });
    expect(seen).toEqual(['tiny']);
    const table = await readF64(wordEmbeddings.weight);
    const rows = await readF64(enc.forward());
    const expected = [7, 2, 7, 2, 7].flatMap((id) => [...table.subarray(id * 6, id * 6 + 6)]);
    expect([...rows]).toEqual(expected);
  });

  it('refuses TEXT init without a tokenize option, saying where to pass one', async () => {
    const config = promptTuningConfig({ numVirtualTokens: 2, tokenDim: 6, promptTuningInit: 'TEXT', promptTuningInitText: 'a', tokenizerNameOrPath: 'tiny' });
    await expect(createPromptTuningEncoder(config, { info, wordEmbeddings, backend })).rejects.toThrow(/tokenize/);
  });

  it('starts every row as a row of the token table with SAMPLE_VOCAB', async () => {
    const config = promptTuningConfig({ numVirtualTokens: 6, tokenDim: 6, promptTuningInit: 'SAMPLE_VOCAB' });
    const enc = await createPromptTuningEncoder(config, { info, wordEmbeddings, backend, generator: new Generator(5) });
    const table = await readF64(wordEmbeddings.weight);
    const rows = await readF64(enc.forward());
    for (let r = 0; r < 6; r++) {
      const row = [...rows.subarray(r * 6, r * 6 + 6)];
      const found = Array.from({ length: 10 }, (_, id) => [...table.subarray(id * 6, id * 6 + 6)]).some((t) => t.every((v, i) => v === row[i]));
      expect(found, `row ${r} is a token row`).toBe(true);
    }
  });

  it('refuses two active prompt adapters in one forward', async () => {
    const registry = new MethodRegistry();
    registry.register(promptTuning);
    const peft = new PeftModel(createTinyModel('gpt2', backend, 0), { registry, warn: () => {} });
    await peft.addAdapter('a', promptTuningConfig({ numVirtualTokens: 2 }));
    await peft.addAdapter('b', promptTuningConfig({ numVirtualTokens: 3 }));
    peft.setAdapter(['a', 'b']);
    const b = tinyBatch('gpt2', backend);
    expect(() => noGrad(() => peft.forward({ inputIds: b.inputIds }))).toThrow(/at most one prompt-learning adapter/);
    peft.setAdapter('b');
    expect(noGrad(() => peft.forward({ inputIds: b.inputIds })).logits.shape[1]).toBe(3 + b.inputIds.shape[1]);
    peft.dispose();
  });
});
