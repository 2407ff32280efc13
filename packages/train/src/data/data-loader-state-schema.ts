import * as v from 'valibot';

const count = (min: number) => v.pipe(v.number(), v.safeInteger(), v.minValue(min));

/**
 * The shape of a `DataLoader`'s saved position (`loader` in a checkpoint's `trainer_state.json`):
 * epoch, batch index, shuffle seed, and the dataset size and batching settings it was saved with.
 * Strict: the state is ours.
 *
 * @example
 * ```ts
 * const s = validateShape(DATA_LOADER_STATE_SCHEMA, state, { file: 'DataLoader.restore' });
 * ```
 */
export const DATA_LOADER_STATE_SCHEMA = v.strictObject({
  epoch: count(0),
  index: count(0),
  seed: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1)),
  size: count(1),
  batchSize: count(1),
  shuffle: v.boolean(),
  dropLast: v.boolean(),
});
