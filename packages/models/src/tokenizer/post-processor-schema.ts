import * as v from 'valibot';

const typeId = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/** One piece of a template: the sequence (`A` or `B`) or a special token by its name in `special_tokens`. */
const TEMPLATE_PIECE = v.union([
  v.object({ Sequence: v.object({ id: v.picklist(['A', 'B']), type_id: typeId }) }),
  v.object({ SpecialToken: v.object({ id: v.string(), type_id: typeId }) }),
]);

/** `TemplateProcessing`: the templates for one and two sequences, and the special tokens they name (each must be declared, as Hugging Face's tokenizers require). */
const TEMPLATE_PROCESSING = v.pipe(
  v.object({
    type: v.literal('TemplateProcessing'),
    single: v.array(TEMPLATE_PIECE),
    pair: v.array(TEMPLATE_PIECE),
    special_tokens: v.record(v.string(), v.object({ id: v.string(), ids: v.array(typeId), tokens: v.array(v.string()) })),
  }),
  v.forward(
    v.check(
      (p) => [...p.single, ...p.pair].every((piece) => !('SpecialToken' in piece) || Object.hasOwn(p.special_tokens, piece.SpecialToken.id)),
      'every SpecialToken of single and pair must be declared in special_tokens',
    ),
    ['special_tokens'],
  ),
);

/**
 * A `tokenizer.json` post-processor: `TemplateProcessing` is checked in full (the tokenizer library
 * reads its templates on every encode), a `Sequence` is checked processor by processor, and the other
 * kinds (`ByteLevel`, `BertProcessing`, `RobertaProcessing`) need only their `type` here.
 *
 * @example
 * ```ts
 * v.parse(POST_PROCESSOR_SCHEMA, { type: 'ByteLevel', trim_offsets: false });
 * ```
 */
export const POST_PROCESSOR_SCHEMA: v.GenericSchema = v.lazy(() =>
  v.variant('type', [
    TEMPLATE_PROCESSING,
    v.object({ type: v.literal('Sequence'), processors: v.array(POST_PROCESSOR_SCHEMA) }),
    v.object({ type: v.pipe(v.string(), v.notValues(['TemplateProcessing', 'Sequence'])) }),
  ]),
);
