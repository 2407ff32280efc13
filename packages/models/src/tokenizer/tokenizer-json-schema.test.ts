import { ArgumentError, ConfigError, FileFormatError } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { PretrainedTokenizer } from './pretrained-tokenizer.js';
import { byteLevelBpeJson, wordPieceJson } from './test-tokenizers.js';

const load = (json: Record<string, unknown>, config: Record<string, unknown> = {}) => new PretrainedTokenizer(json, config, 'tok');

describe('the tokenizer.json schema', () => {
  it('accepts BPE and WordPiece files', () => {
    expect(load(byteLevelBpeJson()).vocabSize).toBeGreaterThan(256);
    expect(load(wordPieceJson()).vocabSize).toBeGreaterThan(0);
  });

  it('names a missing model', () => {
    const { model: _m, ...rest } = byteLevelBpeJson();
    expect(() => load(rest)).toThrow(new FileFormatError('tok/tokenizer.json: missing field "model" (expected an object)'));
  });

  it('names a mistyped field by its path', () => {
    const json = byteLevelBpeJson();
    json.added_tokens = [{ id: 'x', content: '<s>' }];
    expect(() => load(json)).toThrow(new FileFormatError('tok/tokenizer.json: field "added_tokens.0.id" should be number, got "x"'));
    const vocab = wordPieceJson();
    (vocab.model as Record<string, unknown>).vocab = { a: -1 };
    expect(() => load(vocab)).toThrow(/^tok\/tokenizer\.json: field "model\.vocab/);
  });

  it('tolerates fields it does not read (the tokenizer library reads the rest)', () => {
    expect(load({ ...byteLevelBpeJson(), truncation: null, padding: null, some_future_field: 1 }).vocabSize).toBeGreaterThan(256);
  });
});

describe('the tokenizer_config.json schema', () => {
  it('names a mistyped special token with a ConfigError', () => {
    expect(() => load(byteLevelBpeJson(), { eos_token: 7 })).toThrow(ConfigError);
    expect(() => load(byteLevelBpeJson(), { eos_token: 7 })).toThrow(/^tok\/tokenizer_config\.json: field "eos_token" should be \(string \| Object\), got 7/);
  });

  it('names a token object without content', () => {
    expect(() => load(byteLevelBpeJson(), { pad_token: { lstrip: false } })).toThrow(/^tok\/tokenizer_config\.json: field "pad_token/);
  });

  it('refuses a padding_side other than left or right when the file is read', () => {
    expect(() => load(byteLevelBpeJson(), { padding_side: 'middle' })).toThrow(/^tok\/tokenizer_config\.json: field "padding_side" should be \("left" \| "right"\), got "middle"/);
  });

  it('takes a missing field as absent and ignores fields it does not read (tokenizer_class, added_tokens_decoder)', () => {
    const t = load(byteLevelBpeJson(), { tokenizer_class: 'GPT2Tokenizer', added_tokens_decoder: {} });
    expect(t.eosToken).toBeUndefined();
  });
});

describe('a SentencePiece (Unigram) tokenizer.json', () => {
  const unigram = (unkId: number | null) => ({
    model: { type: 'Unigram', unk_id: unkId, vocab: [['<pad>', 0], ['</s>', 0], ['<unk>', 0], ['▁', -1], ['a', -2]] },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  });

  it('with an unk_id past its pieces is a FileFormatError naming model.unk_id (encode gave an id outside the vocabulary)', () => {
    expect(() => load(unigram(5))).toThrow(new FileFormatError('tok/tokenizer.json: field "model.unk_id" is invalid: unk_id must be the position of a piece in model.vocab'));
  });

  it('without unk_id refuses to encode a piece outside its vocabulary, naming it (encode gave a null id)', () => {
    const t = load(unigram(null));
    expect(t.encode('a a')).toEqual([3, 4, 3, 4]);
    expect(() => t.encode('a b')).toThrow(new ArgumentError('tok: encode: "b" is not in the vocabulary, and tokenizer.json\'s model has no unk_id to stand for it'));
  });

  it('with an unk_id encodes an unknown piece as it', () => {
    expect(load(unigram(2)).encode('a b')).toEqual([3, 4, 3, 2]);
  });
});

describe('the ids a tokenizer.json gives out', () => {
  it('refuse a Unigram piece listed twice, naming its position (one of its ids had no piece: encode gave ids past the vocabulary)', () => {
    const json = { model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['a', -1], ['b', -2], ['a', -3]] } };
    expect(() => load(json)).toThrow(new FileFormatError('tok/tokenizer.json: field "model.vocab.3" is invalid: piece "a" is listed twice (also at 1)'));
  });

  it('refuse an added token id far past the model\'s ids and the added tokens', () => {
    const json = byteLevelBpeJson();
    const added = json.added_tokens as { id: number }[];
    added[0].id = 2 ** 32;
    expect(() => load(json)).toThrow(/^tok\/tokenizer\.json: field "added_tokens\.0\.id" is invalid: id 4294967296 is past the model's \d+ ids and the \d+ added tokens/);
  });
});

describe('the post-processor of a tokenizer.json', () => {
  const withPost = (post: unknown) => ({ ...byteLevelBpeJson(), post_processor: post });
  const template = {
    type: 'TemplateProcessing',
    single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|endoftext|>', type_id: 0 } }],
    pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { '<|endoftext|>': { id: '<|endoftext|>', ids: [258], tokens: ['<|endoftext|>'] } },
  };

  it('accepts a TemplateProcessing, also inside a Sequence, and other kinds by their type', () => {
    expect(() => load(withPost(template))).not.toThrow();
    expect(() => load(withPost({ type: 'Sequence', processors: [{ type: 'ByteLevel', trim_offsets: false }, template] }))).not.toThrow();
  });

  it('names a TemplateProcessing without its single template (the tokenizer library failed on every encode)', () => {
    const { single: _s, ...rest } = template;
    expect(() => load(withPost(rest))).toThrow(new FileFormatError('tok/tokenizer.json: missing field "post_processor.single"'));
    expect(() => load(withPost({ type: 'Sequence', processors: [rest] }))).toThrow(/^tok\/tokenizer\.json: missing field "post_processor\.processors\.0\.single"/);
  });

  it('names a mistyped piece and a special token the template uses but does not declare', () => {
    expect(() => load(withPost({ ...template, pair: [{ Sequence: { id: 'C', type_id: 0 } }] }))).toThrow(/^tok\/tokenizer\.json: field "post_processor\.pair\.0/);
    expect(() => load(withPost({ ...template, special_tokens: {} }))).toThrow(
      new FileFormatError('tok/tokenizer.json: field "post_processor.special_tokens" is invalid: every SpecialToken of single and pair must be declared in special_tokens'),
    );
  });
});
