import * as v from 'valibot';

/** A special token: its text, or an AddedToken object with `content`. */
const SPECIAL = v.nullish(v.union([v.string(), v.looseObject({ content: v.string() })]));

/**
 * The fields of `tokenizer_config.json` this package reads: the special tokens, `padding_side`, the
 * chat template (a string, or a list of named templates) and the flags the tokenizer library reads.
 * Not strict: the file carries many keys for Python classes (`tokenizer_class`,
 * `added_tokens_decoder`, …), which are ignored.
 *
 * @example
 * ```ts
 * validateShape(TOKENIZER_CONFIG_SCHEMA, JSON.parse(text), { file: 'gpt2/tokenizer_config.json', error: 'config' });
 * ```
 */
export const TOKENIZER_CONFIG_SCHEMA = v.object({
  bos_token: SPECIAL,
  eos_token: SPECIAL,
  pad_token: SPECIAL,
  unk_token: SPECIAL,
  padding_side: v.nullish(v.picklist(['left', 'right'])),
  chat_template: v.nullish(v.union([v.string(), v.array(v.object({ name: v.string(), template: v.string() }))])),
  add_bos_token: v.nullish(v.boolean()),
  add_eos_token: v.nullish(v.boolean()),
  clean_up_tokenization_spaces: v.nullish(v.boolean()),
  model_max_length: v.nullish(v.number()),
});
