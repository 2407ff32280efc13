import * as v from 'valibot';
import { POST_PROCESSOR_SCHEMA } from './post-processor-schema.js';

const id = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/**
 * The parts of `tokenizer.json` this package reads before handing the file to the tokenizer library:
 * a `model` object (its `type`, and a `vocab` that is a map of token to id for BPE / WordPiece /
 * WordLevel, or a list of `[piece, score]` pairs for Unigram, each piece once, whose `unk_id` must
 * index it), `added_tokens` entries with a string `content` and a non-negative integer `id` within
 * the ids the added tokens extend the model's by, a post-processor whose templates are well formed
 * (`post-processor-schema.ts`), and the optional pipeline stages. Not strict: the
 * file carries more (truncation, padding, per-stage options) and the library checks the stages.
 *
 * @example
 * ```ts
 * validateShape(TOKENIZER_JSON_SCHEMA, JSON.parse(text), { file: 'gpt2/tokenizer.json' });
 * ```
 */
export const TOKENIZER_JSON_SCHEMA = v.pipe(
  v.object({
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
    post_processor: v.nullish(POST_PROCESSOR_SCHEMA),
    decoder: v.nullish(v.object({})),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { model, added_tokens: added = [] } = dataset.value;
    const vocab = model.vocab;
    // a Unigram piece listed twice leaves one of its ids without a piece (ids past the vocabulary)
    if (Array.isArray(vocab)) {
      const first = new Map<string, number>();
      vocab.forEach(([piece], i) => {
        const seen = first.get(piece);
        if (seen === undefined) first.set(piece, i);
        else addIssue({ message: `piece ${JSON.stringify(piece)} is listed twice (also at ${seen})`, path: [item(dataset.value, 'model'), item(model, 'vocab'), item(vocab, i)] });
      });
    }
    // added tokens extend the model's ids: an id far past them names no embedding row
    let modelIds = Array.isArray(vocab) ? vocab.length : 0;
    if (vocab && !Array.isArray(vocab)) for (const i of Object.values(vocab)) modelIds = Math.max(modelIds, i + 1);
    added.forEach((t, i) => {
      if (t.id >= modelIds + added.length) {
        addIssue({ message: `id ${t.id} is past the model's ${modelIds} ids and the ${added.length} added tokens`, path: [item(dataset.value, 'added_tokens'), item(added, i), item(t, 'id')] });
      }
    });
  }),
);

/** One step of an issue's path: `key` of `input`. */
function item(input: unknown, key: string | number): v.IssuePathItem {
  return Array.isArray(input)
    ? { type: 'array', origin: 'value', input, key: key as number, value: input[key as number] as unknown }
    : { type: 'object', origin: 'value', input: input as Record<string, unknown>, key: key as string, value: (input as Record<string, unknown>)[key] };
}
