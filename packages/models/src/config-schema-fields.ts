import * as v from 'valibot';

/**
 * The field types `config.json` schemas are built from. Every field is optional and may be `null`
 * (transformers writes `null` for "use the default"); the architecture's `parse…Config` supplies
 * defaults and the rules that span fields (`n_embd` a multiple of `n_head`).
 *
 * @example
 * ```ts
 * const schema = v.object({ n_embd: CONFIG_FIELD.positiveInt });
 * ```
 */
export const CONFIG_FIELD = Object.freeze({
  positiveInt: v.nullish(v.pipe(v.number(), v.safeInteger(), v.minValue(1))),
  nonNegativeInt: v.nullish(v.pipe(v.number(), v.safeInteger(), v.minValue(0))),
  finite: v.nullish(v.pipe(v.number(), v.finite())),
  bool: v.nullish(v.boolean()),
  string: v.nullish(v.string()),
  /** `eos_token_id`: one id or a list. */
  tokenIds: v.nullish(v.union([v.pipe(v.number(), v.safeInteger(), v.minValue(0)), v.array(v.pipe(v.number(), v.safeInteger(), v.minValue(0)))])),
  /** `architectures`: transformers class names. */
  classNames: v.nullish(v.array(v.string())),
});

/** Fields every architecture's config.json may carry and the loader reads. */
export const COMMON_CONFIG_ENTRIES = {
  model_type: CONFIG_FIELD.string,
  architectures: CONFIG_FIELD.classNames,
  torch_dtype: CONFIG_FIELD.string,
  dtype: CONFIG_FIELD.string,
  vocab_size: CONFIG_FIELD.positiveInt,
  tie_word_embeddings: CONFIG_FIELD.bool,
  bos_token_id: CONFIG_FIELD.nonNegativeInt,
  pad_token_id: CONFIG_FIELD.nonNegativeInt,
  eos_token_id: CONFIG_FIELD.tokenIds,
} as const;
