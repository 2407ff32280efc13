import * as v from 'valibot';

const id = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/**
 * The parts of `tokenizer.json` this package reads before handing the file to the tokenizer library:
 * a `model` object (its `type`, and a `vocab` that is a map of token to id for BPE / WordPiece /
 * WordLevel, or a list of `[piece, score]` pairs for Unigram, whose `unk_id` must index it), `added_tokens` entries with a string
 * `content` and a non-negative integer `id`, and the optional pipeline stages. Not strict: the file
 * carries more (truncation, padding, per-stage options) and the library checks the stages.
 *
 * @example
 * ```ts
 * validateShape(TOKENIZER_JSON_SCHEMA, JSON.parse(text), { file: 'gpt2/tokenizer.json' });
 * ```
 */
export const TOKENIZER_JSON_SCHEMA = v.object({
  model: v.pipe(
    v.object({
      type: v.optional(v.string()),
      vocab: v.optional(v.union([v.record(v.string(), id), v.array(v.tuple([v.string(), v.pipe(v.number(), v.finite())]))])),
      unk_token: v.nullish(v.string()),
      unk_id: v.nullish(id),
    }),
    // a Unigram model's unk_id is a position in its list of pieces
    v.forward(
      v.check((m) => m.unk_id == null || !Array.isArray(m.vocab) || m.unk_id < m.vocab.length, 'unk_id must be the position of a piece in model.vocab'),
      ['unk_id'],
    ),
  ),
  added_tokens: v.optional(v.array(v.object({ id, content: v.string(), special: v.optional(v.boolean()) }))),
  normalizer: v.nullish(v.object({})),
  pre_tokenizer: v.nullish(v.object({})),
  post_processor: v.nullish(v.object({})),
  decoder: v.nullish(v.object({})),
});
