import { ArgumentError, ConfigError, FileFormatError, memorySource } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './load-tokenizer.js';
import { PretrainedTokenizer } from './pretrained-tokenizer.js';
import { BPE_IDS, WORDPIECE_VOCAB, byteLevelBpeJson, wordPieceJson } from './test-tokenizers.js';

const bpe = (config: Record<string, unknown> = {}) => PretrainedTokenizer.fromJSON(JSON.stringify(byteLevelBpeJson()), JSON.stringify(config), 'tiny-bpe');
const wordPiece = (config: Record<string, unknown> = {}) => PretrainedTokenizer.fromJSON(JSON.stringify(wordPieceJson()), JSON.stringify(config), 'tiny-bert');

describe('a byte-level BPE tokenizer', () => {
  it('applies its merges and adds BOS through the post-processor', () => {
    const t = bpe();
    expect(t.encode('hello world', { addSpecialTokens: false })).toEqual([BPE_IDS.hello, BPE_IDS.Gworld]);
    expect(t.encode('hello world')).toEqual([BPE_IDS.bos, BPE_IDS.hello, BPE_IDS.Gworld]);
  });

  it('falls back to single bytes for unmerged text', () => {
    const ids = bpe().encode('hi!', { addSpecialTokens: false });
    expect(ids).toEqual(['h', 'i', '!'].map((c) => c.charCodeAt(0)));
  });

  it('round-trips any text, multi-byte characters included', () => {
    const t = bpe();
    for (const text of ['hello world', 'héllo wörld 😀', '  spaces\tand\nnewlines ', '']) {
      expect(t.decode(t.encode(text, { addSpecialTokens: false }))).toBe(text);
    }
  });

  it('drops special tokens from decoded text only when asked', () => {
    const t = bpe();
    const ids = [BPE_IDS.bos, BPE_IDS.hello, BPE_IDS.eos];
    expect(t.decode(ids)).toBe('<s>hello<|endoftext|>');
    expect(t.decode(ids, { skipSpecialTokens: true })).toBe('hello');
  });

  it('reads special tokens from tokenizer_config.json, as strings or token objects', () => {
    const t = bpe({ bos_token: '<s>', eos_token: { content: '<|endoftext|>', special: true }, pad_token: '<pad>' });
    expect([t.bosTokenId, t.eosTokenId, t.padTokenId]).toEqual([BPE_IDS.bos, BPE_IDS.eos, BPE_IDS.pad]);
    expect(t.eosToken).toBe('<|endoftext|>');
    expect(t.unkTokenId).toBeUndefined();
  });

  it('recognises special tokens written inside the text', () => {
    expect(bpe().encode('hello<|endoftext|>', { addSpecialTokens: false })).toEqual([BPE_IDS.hello, BPE_IDS.eos]);
  });

  it('rejects non-integer ids in decode', () => {
    expect(() => bpe().decode([1.5])).toThrow(ArgumentError);
  });
});

describe('a WordPiece tokenizer', () => {
  it('lower-cases, splits into word pieces and wraps in [CLS] … [SEP]', () => {
    const t = wordPiece();
    const v = WORDPIECE_VOCAB;
    expect(t.encode('The cat playing.')).toEqual([v['[CLS]'], v.the, v.cat, v.play, v['##ing'], v['.'], v['[SEP]']]);
    expect(t.encode('cats', { addSpecialTokens: false })).toEqual([v.cat, v['##s']]);
  });

  it('maps unknown words to [UNK], whose id comes from the model', () => {
    const t = wordPiece();
    expect(t.encode('zebra', { addSpecialTokens: false })).toEqual([WORDPIECE_VOCAB['[UNK]']]);
    expect(t.unkToken).toBe('[UNK]');
    expect(t.unkTokenId).toBe(1);
  });

  it('decodes word pieces back into words', () => {
    const t = wordPiece();
    expect(t.decode(t.encode('the dog playing, the cats.'), { skipSpecialTokens: true })).toBe('the dog playing, the cats.');
  });
});

describe('batch encoding', () => {
  it('pads on the right by default, with the pad token and a matching mask', () => {
    const t = wordPiece({ pad_token: '[PAD]' });
    const { inputIds, attentionMask } = t.encodeBatch(['the cat', 'the cats playing']);
    expect(inputIds).toEqual([
      [2, 4, 5, 3, 0, 0, 0],
      [2, 4, 5, 8, 6, 7, 3],
    ]);
    expect(attentionMask).toEqual([
      [1, 1, 1, 1, 0, 0, 0],
      [1, 1, 1, 1, 1, 1, 1],
    ]);
  });

  it('pads on the left when tokenizer_config.json says so', () => {
    const t = bpe({ padding_side: 'left', pad_token: '<pad>' });
    const { inputIds, attentionMask } = t.encodeBatch(['hello', 'hello world'], { addSpecialTokens: false });
    expect(inputIds).toEqual([
      [BPE_IDS.pad, BPE_IDS.hello],
      [BPE_IDS.hello, BPE_IDS.Gworld],
    ]);
    expect(attentionMask).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('takes an explicit side and pad id over the config, and falls back to EOS for padding', () => {
    const t = bpe({ padding_side: 'left', eos_token: '<|endoftext|>' });
    expect(t.encodeBatch(['hello', 'hello world'], { addSpecialTokens: false, paddingSide: 'right' }).inputIds[0]).toEqual([BPE_IDS.hello, BPE_IDS.eos]);
    expect(t.encodeBatch(['hello', 'hello world'], { addSpecialTokens: false, padTokenId: 7 }).inputIds[0]).toEqual([7, BPE_IDS.hello]);
  });

  it('refuses to pad without any pad or EOS token', () => {
    expect(() => bpe().encodeBatch(['hello', 'hello world'])).toThrow(/need a pad token/);
  });

  it('rejects an unknown padding_side', () => {
    expect(() => bpe({ padding_side: 'middle' }).encodeBatch(['a'])).toThrow(ConfigError);
  });
});

describe('chat templates', () => {
  const template =
    "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";
  const messages = [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'hello' },
  ];

  it('renders the checkpoint template with bos_token, eos_token and the generation prompt', () => {
    const t = bpe({ bos_token: '<s>', eos_token: '<|endoftext|>', chat_template: template });
    expect(t.applyChatTemplate(messages, { addGenerationPrompt: true })).toBe('<s><|system|>Be brief.<|endoftext|><|user|>hello<|endoftext|><|assistant|>');
    expect(t.applyChatTemplate(messages)).toBe('<s><|system|>Be brief.<|endoftext|><|user|>hello<|endoftext|>');
  });

  it('trims block lines as transformers does (trim_blocks, lstrip_blocks)', () => {
    const t = bpe({ chat_template: '{% for m in messages %}\n    {% if m.role == "user" %}\n  {{ m.content }}\n    {% endif %}\n{% endfor %}' });
    expect(t.applyChatTemplate([{ role: 'user', content: 'a' }, { role: 'system', content: 'x' }, { role: 'user', content: 'b' }])).toBe('  a\n  b\n');
  });

  it('picks the default entry of a list of named templates, and tool_use when tools are given', () => {
    const t = bpe({
      chat_template: [
        { name: 'default', template: 'plain:{{ messages[0].content }}' },
        { name: 'tool_use', template: 'tools:{{ tools[0].name }}:{{ messages[0].content }}' },
      ],
    });
    expect(t.applyChatTemplate([{ role: 'user', content: 'x' }])).toBe('plain:x');
    expect(t.applyChatTemplate([{ role: 'user', content: 'x' }], { tools: [{ name: 'search' }] })).toBe('tools:search:x');
  });

  it('gives a clear error for a checkpoint without a chat template', () => {
    expect(() => bpe().applyChatTemplate(messages)).toThrow(/no chat_template/);
    expect(bpe().hasChatTemplate).toBe(false);
  });

  it('reports a template that raises, and one that does not parse', () => {
    const raising = bpe({ chat_template: "{% if messages[0].role != 'user' %}{{ raise_exception('first message must be from the user') }}{% endif %}" });
    expect(() => raising.applyChatTemplate(messages)).toThrow(/first message must be from the user/);
    expect(() => bpe({ chat_template: '{% for m in messages %}' }).applyChatTemplate(messages)).toThrow(FileFormatError);
  });

  it('rejects a list of templates without a default', () => {
    expect(() => bpe({ chat_template: [{ name: 'rag', template: 'x' }] }).applyChatTemplate(messages)).toThrow(/no "default" template \(it has "rag"\)/);
  });
});

describe('loadTokenizer', () => {
  it('reads tokenizer.json and tokenizer_config.json from a checkpoint source', async () => {
    const t = await loadTokenizer(memorySource({ 'tokenizer.json': JSON.stringify(wordPieceJson()), 'tokenizer_config.json': '{"pad_token": "[PAD]", "padding_side": "left"}' }, 'bert-dir'));
    expect(t.padTokenId).toBe(0);
    expect(t.paddingSide).toBe('left');
    expect(t.encode('the cat')).toEqual([2, 4, 5, 3]);
  });

  it('works without tokenizer_config.json', async () => {
    const t = await loadTokenizer(memorySource({ 'tokenizer.json': JSON.stringify(byteLevelBpeJson()) }));
    expect(t.decode(t.encode('hello world', { addSpecialTokens: false }))).toBe('hello world');
  });

  it('names the missing tokenizer.json', async () => {
    await expect(loadTokenizer(memorySource({}, 'ckpt'))).rejects.toThrow(/ckpt\/tokenizer.json: not found/);
    await expect(loadTokenizer(memorySource({}, 'ckpt'))).rejects.toBeInstanceOf(FileFormatError);
  });

  it('rejects malformed JSON, a non-object and a tokenizer without a model', async () => {
    await expect(loadTokenizer(memorySource({ 'tokenizer.json': '{"model": ' }, 'c'))).rejects.toThrow(/c\/tokenizer.json: not valid JSON/);
    await expect(loadTokenizer(memorySource({ 'tokenizer.json': '[1, 2]' }, 'c'))).rejects.toThrow(/expected a JSON object, got an array/);
    await expect(loadTokenizer(memorySource({ 'tokenizer.json': '{"added_tokens": []}' }, 'c'))).rejects.toThrow(/c\/tokenizer.json: missing field "model" \(expected an object\)/);
  });

  it('rejects an unsupported tokenizer model as a file format error', async () => {
    const json = { ...wordPieceJson(), model: { type: 'NoSuchModel' } };
    await expect(loadTokenizer(memorySource({ 'tokenizer.json': JSON.stringify(json) }, 'c'))).rejects.toBeInstanceOf(FileFormatError);
  });

  it('rejects a malformed tokenizer_config.json', async () => {
    await expect(loadTokenizer(memorySource({ 'tokenizer.json': JSON.stringify(wordPieceJson()), 'tokenizer_config.json': 'nope' }, 'c'))).rejects.toThrow(/c\/tokenizer_config.json: not valid JSON/);
  });
});
