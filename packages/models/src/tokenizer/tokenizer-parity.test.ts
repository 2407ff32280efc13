/**
 * Tokenizers trained with the Rust `tokenizers` library and saved by transformers 5
 * (tools/tokenizer-fixtures.py): ids, decoding and chat templates must be the same here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directorySource } from '@peft/core/node';
import { FIXTURES, type FixtureCase } from '../test-support/fixtures.js';
import { loadTokenizer } from './load-tokenizer.js';

const kinds = ['byte-bpe', 'wordpiece', 'metaspace'] as const;

describe.each(kinds)('the %s tokenizer', (kind) => {
  const dir = join(FIXTURES, 'tokenizers', kind);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as FixtureCase;

  it('encodes and decodes every sample text as the Rust library does', async () => {
    const tokenizer = await loadTokenizer(directorySource(dir));
    for (const t of expected.texts as { text: string; ids: number[]; ids_without_special: number[]; decoded: string; decoded_skip_special: string }[]) {
      expect(tokenizer.encode(t.text), JSON.stringify(t.text)).toEqual(t.ids);
      expect(tokenizer.encode(t.text, { addSpecialTokens: false }), JSON.stringify(t.text)).toEqual(t.ids_without_special);
      expect(tokenizer.decode(t.ids), JSON.stringify(t.text)).toBe(t.decoded);
      expect(tokenizer.decode(t.ids, { skipSpecialTokens: true }), JSON.stringify(t.text)).toBe(t.decoded_skip_special);
    }
  });

  it('renders the chat template as transformers does, reading chat_template.jinja', async () => {
    const tokenizer = await loadTokenizer(directorySource(dir));
    if (!expected.chat) {
      expect(() => tokenizer.applyChatTemplate([{ role: 'user', content: 'hi' }])).toThrow(/chat_template/);
      return;
    }
    expect(tokenizer.applyChatTemplate(expected.chat.messages, { addGenerationPrompt: expected.chat.add_generation_prompt })).toBe(expected.chat.rendered);
  });
});
