import { ArgumentError } from '../errors.js';

/**
 * The adapter name that means "no adapter" in a per-row list: those rows get the base model alone.
 *
 * @example
 * ```ts
 * peft.forward({ inputIds, adapterNames: ['default', BASE_ADAPTER] });
 * ```
 */
export const BASE_ADAPTER = '__base__';

let rows: readonly string[] | undefined;

/**
 * Runs `fn` with one adapter per batch row: every adapter layer applies, to row i, only the adapter
 * `names[i]` (or none for {@link BASE_ADAPTER}). Calls nest; the previous rows come back afterwards.
 *
 * @example
 * ```ts
 * const logits = withAdapterRows(['default', 'other', '__base__'], () => model.forward({ inputIds }).logits);
 * ```
 */
export function withAdapterRows<T>(names: readonly string[] | undefined, fn: () => T): T {
  if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) {
    throw new ArgumentError(`withAdapterRows: expected a list of adapter names, got ${JSON.stringify(names)}`);
  }
  const before = rows;
  rows = names === undefined ? undefined : Object.freeze([...names]);
  try {
    return fn();
  } finally {
    rows = before;
  }
}

/** The per-row adapter names in effect, if any (read by adapter layers). @example `currentAdapterRows()?.[0]` */
export function currentAdapterRows(): readonly string[] | undefined {
  return rows;
}
