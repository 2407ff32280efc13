import { memorySource } from '../../../packages/core/src/index.js';
import { loadTokenizer } from '../../../packages/models/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { type FuzzRandom, mutateJson } from '../fuzz-random.js';
import { sizeOf } from './seed-files.js';

const SAMPLES = ['Translate English to German: The house is wonderful.', '  leading and  double  spaces ', 'ü 🙂 \u0000 \ud800 日本語', '', '</s><pad><unk>', 'a'.repeat(400)];
const PIECES = ['▁', '▁the', '▁a', '▁house', '▁is', 'e', 'a', 's', 't', 'n', 'o', '▁T', 'r', 'an', 'ing', '.', ',', ':', '▁G', 'erman', '▁En', 'glish', 'ü', '日', '<0x41>', '<0xFF>'];
const SPECIAL = ['<pad>', '</s>', '<unk>'];

/** A normalizer of the kinds T5 / SentencePiece exports use. */
function normalizer(r: FuzzRandom): unknown {
  return r.pick([
    null,
    { type: 'NFKC' },
    { type: 'Sequence', normalizers: [{ type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
    { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: r.pick(['', 'AAAA', null]) }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    { type: 'Strip', strip_left: true, strip_right: r.chance(0.5) },
  ]);
}

/** A Unigram tokenizer.json as a SentencePiece model converts to (T5's layout): vocab of [piece, score] pairs, specials first, Metaspace pre-tokenizer and decoder, `</s>` appended. */
function sentencePieceJson(r: FuzzRandom): Record<string, unknown> {
  const pieces = [...SPECIAL, ...PIECES.filter(() => r.chance(0.9))];
  const vocab = pieces.map((p, i) => [p, i < SPECIAL.length ? 0 : r.pick([-r.next() * 20, 0, -1e9, -Number.MAX_VALUE, -(i + 1)])]);
  const scheme = r.pick(['always', 'first', 'never']);
  const metaspace = r.chance(0.5) ? { type: 'Metaspace', replacement: '▁', prepend_scheme: scheme, split: r.chance(0.5) } : { type: 'Metaspace', replacement: '▁', add_prefix_space: r.chance(0.5) };
  const eos = pieces.indexOf('</s>');
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: normalizer(r),
    pre_tokenizer: r.chance(0.8) ? metaspace : { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, metaspace] },
    post_processor: r.chance(0.7)
      ? {
          type: 'TemplateProcessing',
          single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
          pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
          special_tokens: { '</s>': { id: '</s>', ids: [eos], tokens: ['</s>'] } },
        }
      : null,
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: r.chance(0.9) ? 2 : r.pick([null, 0, pieces.length]), vocab, byte_fallback: r.chance(0.3) },
  };
}

/**
 * SentencePiece (Unigram) tokenizers in the layout T5 and other SentencePiece models convert to,
 * built with random vocabularies, scores (down to -MAX_VALUE), normalizers (Precompiled, NFKC,
 * Replace), Metaspace options and post-processors, sometimes mutated, through `loadTokenizer`, then
 * encode and decode. Every id encode returns must be an integer inside the vocabulary.
 *
 * @example
 * ```ts
 * await runFuzzTarget(sentencePieceTokenizerTarget, { seed: 1, count: 100 });
 * ```
 */
export const sentencePieceTokenizerTarget: FuzzTarget = {
  name: 'sentencepiece',
  description: 'SentencePiece/Unigram tokenizer.json + tokenizer_config.json (T5 layout) → loadTokenizer → encode/decode',
  prepare() {
    return Promise.resolve((r) => {
      let json = JSON.stringify(sentencePieceJson(r));
      let config = JSON.stringify({ eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>', model_max_length: 512, tokenizer_class: 'T5Tokenizer', extra_ids: 0 });
      const kind = r.chance(0.4) ? 'built' : r.chance(0.75) ? 'tokenizer.json' : 'tokenizer_config.json';
      if (kind === 'tokenizer.json') json = mutateJson(r, json);
      if (kind === 'tokenizer_config.json') config = mutateJson(r, config);
      const text = r.pick(SAMPLES);
      return {
        kind,
        bytes: sizeOf(json, config),
        run: async () => {
          const tok = await loadTokenizer(memorySource({ 'tokenizer.json': json, 'tokenizer_config.json': config }, 'fuzz-sentencepiece'));
          const ids = tok.encode(text);
          const size = tok.vocabSize;
          for (const id of ids) if (!Number.isInteger(id) || id < 0 || id >= size) throw new Error(`oracle: encode gave id ${id} outside the vocabulary of ${size}`);
          tok.decode(ids);
          tok.decode(ids, { skipSpecialTokens: true });
        },
      };
    });
  },
};
