/**
 * Small handcrafted tokenizer.json files for tests: a byte-level BPE (GPT-2 style, with a BOS added
 * by a template post-processor) and a WordPiece (BERT style). Not exported from the package.
 */

/** GPT-2's reversible byte → printable character table. */
function byteChars(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const chars = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) chars[b] = keep.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  return chars;
}

const BPE_MERGES = ['h e', 'l l', 'he ll', 'hell o', 'Ġ w', 'o r', 'Ġw or', 'Ġwor l', 'Ġworl d'];

/** Ids of the tiny BPE's merged tokens and special tokens. */
export const BPE_IDS = { hello: 256, Gworld: 257, eos: 258, bos: 259, pad: 260 } as const;

/** A tiny byte-level BPE tokenizer.json: 256 byte tokens, a few merges ("hello", " world"), `<|endoftext|>`, `<s>`, `<pad>`. */
export function byteLevelBpeJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  byteChars().forEach((c, i) => (vocab[c] = i));
  vocab.hello = BPE_IDS.hello;
  vocab['Ġworld'] = BPE_IDS.Gworld;
  // added tokens are in the model's vocabulary too, as in real files
  vocab['<|endoftext|>'] = BPE_IDS.eos;
  vocab['<s>'] = BPE_IDS.bos;
  vocab['<pad>'] = BPE_IDS.pad;
  // intermediate merge results live past the special tokens
  let next = 261;
  for (const m of ['he', 'll', 'hell', 'Ġw', 'or', 'Ġwor', 'Ġworl']) vocab[m] = next++;
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    added_tokens: [special(BPE_IDS.eos, '<|endoftext|>'), special(BPE_IDS.bos, '<s>'), special(BPE_IDS.pad, '<pad>')],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [BPE_IDS.bos], tokens: ['<s>'] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: BPE_MERGES },
  };
}

/** Ids of the tiny WordPiece vocabulary. */
export const WORDPIECE_VOCAB: Readonly<Record<string, number>> = {
  '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, the: 4, cat: 5, play: 6, '##ing': 7, '##s': 8, dog: 9, '.': 10, ',': 11,
};

/** A tiny WordPiece tokenizer.json (lower-casing BERT normalizer, `[CLS] … [SEP]` post-processor). */
export function wordPieceJson(): Record<string, unknown> {
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    added_tokens: [special(0, '[PAD]'), special(1, '[UNK]'), special(2, '[CLS]'), special(3, '[SEP]')],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: WORDPIECE_VOCAB },
  };
}
