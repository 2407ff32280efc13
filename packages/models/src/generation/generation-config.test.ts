import { describe, expect, it } from 'vitest';
import { memorySource } from '@peft/core';
import { readGenerationConfig } from './generation-config.js';

describe('readGenerationConfig', () => {
  it('turns generation_config.json into generate options', async () => {
    const text = JSON.stringify({ bos_token_id: 0, eos_token_id: [1, 7], pad_token_id: 2, do_sample: true, temperature: 0.6, top_p: 0.9, top_k: 20, max_new_tokens: 64 });
    expect(await readGenerationConfig(memorySource({ 'generation_config.json': text }))).toEqual({
      maxNewTokens: 64,
      doSample: true,
      temperature: 0.6,
      topK: 20,
      topP: 0.9,
      eosTokenIds: [1, 7],
      padTokenId: 2,
    });
  });

  it('gives no defaults without the file, and names a bad field', async () => {
    expect(await readGenerationConfig(memorySource({}))).toEqual({});
    await expect(readGenerationConfig(memorySource({ 'generation_config.json': '{"temperature": "hot"}' }, 'm'))).rejects.toThrow(
      /m\/generation_config\.json: expected "temperature" to be a finite number, got "hot"/,
    );
    await expect(readGenerationConfig(memorySource({ 'generation_config.json': '[1]' }))).rejects.toThrow(/expected a JSON object/);
  });
});
