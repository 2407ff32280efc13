import * as v from 'valibot';

const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));

/**
 * The shape of `trainer_state.json` in a training checkpoint, as the Trainer writes it. Strict: the
 * file is ours, so a field it does not declare means another writer or an edit, and is refused.
 * `loader` is the data loader's own state (its `restore` checks it); `rng` is the default random
 * generator's `{ seed, counter }`; `early_stopping` is `{ best, waited }`.
 *
 * @example
 * ```ts
 * const state = validateShape(TrainerStateSchema, JSON.parse(text), { file: 'checkpoint-10/trainer_state.json' });
 * state.global_step; // 10
 * ```
 */
export const TrainerStateSchema = v.strictObject({
  global_step: count,
  total_steps: count,
  loader: v.unknown(),
  rng: v.strictObject({ seed: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1)), counter: count }),
  early_stopping: v.strictObject({ best: v.nullable(v.pipe(v.number(), v.finite())), waited: count }),
  adapters: v.array(v.string()),
});

/** A checkpoint's trainer state after {@link TrainerStateSchema}. @example `const s: TrainerState = { global_step: 1, … }` */
export type TrainerState = v.InferOutput<typeof TrainerStateSchema>;
