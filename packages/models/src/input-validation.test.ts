import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, ConfigError, FileFormatError, memorySource } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { loadPretrained } from './auto-model.js';
import { generate } from './generation/generate.js';
import { checkConfigFitsCheckpoint, checkTokenIds, configParameterLowerBound } from './input-validation.js';
import { directorySource } from './node.js';
import { modelDir } from './test-support/fixtures.js';
import { PretrainedTokenizer } from './tokenizer/pretrained-tokenizer.js';

const gpt2Files = (config: Record<string, unknown> = {}) => {
  const base = JSON.parse(readFileSync(join(modelDir('gpt2'), 'config.json'), 'utf8')) as Record<string, unknown>;
  return memorySource({ 'config.json': JSON.stringify({ ...base, ...config }), 'model.safetensors': new Uint8Array(readFileSync(join(modelDir('gpt2'), 'model.safetensors'))) }, 'gpt2');
};

describe('checkTokenIds', () => {
  it('accepts ids inside the vocabulary', () => {
    expect(() => checkTokenIds('generate', [[0, 5, 99]], 100)).not.toThrow();
  });

  it('names the row, position and vocabulary of an id outside it', () => {
    expect(() => checkTokenIds('generate', [[1, 2], [3, 100]], 100)).toThrow(
      new ArgumentError("generate: token id 100 at row 1, position 1 is outside the vocabulary [0, 100); the ids do not come from this model's tokenizer"),
    );
    expect(() => checkTokenIds('generate', [[-1]], 100)).toThrow(/token id -1 at row 0, position 0/);
    expect(() => checkTokenIds('generate', [[1.5]], 100)).toThrow(/token id 1.5/);
  });

  it('is what generate runs on its prompts', async () => {
    const model = await loadPretrained(directorySource(modelDir('gpt2')));
    await expect(generate(model, [[1, model.info.vocabSize]], { maxNewTokens: 1 })).rejects.toThrow(/generate: token id \d+ at row 0, position 1 is outside the vocabulary/);
  });
});

describe('checkConfigFitsCheckpoint', () => {
  it('counts at least the embeddings and the per-layer matrices, with transformers defaults for missing fields', () => {
    expect(configParameterLowerBound({ model_type: 'gpt2', n_embd: 8, n_layer: 2, vocab_size: 10, n_positions: 4 })).toBe((10 + 4) * 8 + 2 * (2 * 64 + 2 * 8 * 32));
    const llama7b = configParameterLowerBound({ model_type: 'llama' }); // LLaMA-7B has 6.74e9
    expect(llama7b).toBeGreaterThan(4e9);
    expect(llama7b).toBeLessThan(6.74e9);
  });

  it('lets the fixture checkpoints through', async () => {
    for (const m of ['gpt2', 'llama', 'bert'] as const) {
      const dir = modelDir(m);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      await expect(checkConfigFitsCheckpoint(config, directorySource(dir), m)).resolves.toBeUndefined();
    }
  });

  it('stops loadPretrained before it allocates a model the weights cannot back', async () => {
    await expect(loadPretrained(gpt2Files({ n_embd: 76_800 }))).rejects.toThrow(ConfigError);
    await expect(loadPretrained(gpt2Files({ n_positions: 2 ** 40 }))).rejects.toThrow(/gpt2\/config\.json: describes a model of at least 3\.\d+e\+13 parameters, but its weights hold \d+ bytes/);
  });
});

describe('tokenizer.json added tokens', () => {
  it('must have string contents and integer ids', () => {
    const json = { model: { type: 'WordLevel', vocab: { a: 0, '[UNK]': 1 }, unk_token: '[UNK]' }, added_tokens: [{ id: 1, content: -1e308, special: true }] };
    expect(() => PretrainedTokenizer.fromJSON(JSON.stringify(json))).toThrow(FileFormatError);
    expect(() => PretrainedTokenizer.fromJSON(JSON.stringify(json))).toThrow('tokenizer/tokenizer.json: field "added_tokens.0.content" should be string, got -1e+308');
  });
});
