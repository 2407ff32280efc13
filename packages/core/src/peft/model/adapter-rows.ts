import type { Backend } from '../../backend-interface.js';
import { ArgumentError } from '../../errors.js';
import { fromArray } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { composite, keep } from '../../scope.js';
import type { Tensor } from '../../tensor.js';

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
/** The row masks made during the current `withAdapterRows` call, by backend and `name/rank`: uploaded once, not per layer. */
let masks: Map<Backend, Map<string, Tensor>> | undefined;

/**
 * Runs `fn` with one adapter per batch row: every adapter layer applies, to row i, only the adapter
 * `names[i]` (or none for {@link BASE_ADAPTER}). Calls nest; the previous rows come back afterwards.
 * Meant for inference: the row masks are freed when `fn` returns, so nothing computed inside can be
 * differentiated afterwards.
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
  const before = [rows, masks] as const;
  rows = names === undefined ? undefined : Object.freeze([...names]);
  masks = new Map();
  try {
    return fn();
  } finally {
    for (const byName of masks.values()) for (const m of byName.values()) m.dispose();
    [rows, masks] = before;
  }
}

/** The per-row adapter names in effect, if any (read by adapter layers). @example `currentAdapterRows()?.[0]` */
export function currentAdapterRows(): readonly string[] | undefined {
  return rows;
}

/**
 * A mixed batch: `base` with the rows of each adapter named in the current rows replaced by that
 * adapter's output (`outputOf(name)`, or undefined where this module has no such adapter). The rows'
 * first axis must be the batch.
 *
 * @example
 * ```ts
 * return mixAdapterRows(y, (name) => (this.hasAdapter(name) ? this.applyAdapter(name, x, y) : undefined), 'LoraLinear');
 * ```
 */
export function mixAdapterRows(base: Tensor, outputOf: (name: string) => Tensor | undefined, op: string): Tensor {
  const current = rows;
  if (!current || !masks) return base;
  if (base.shape[0] !== current.length) {
    throw new ArgumentError(`${op}: adapterNames has ${current.length} entries for a batch of ${base.shape[0]} rows`);
  }
  const backend = base.liveStorage(op).backend;
  const byName = masks.get(backend) ?? new Map<string, Tensor>();
  masks.set(backend, byName);
  return composite(() => {
    let out = base;
    for (const name of new Set(current)) {
      if (name === BASE_ADAPTER) continue;
      const y = outputOf(name);
      if (!y) continue;
      const key = `${name}/${base.rank}`;
      let mask = byName.get(key);
      if (!mask) {
        const shape = [current.length, ...Array<number>(base.rank - 1).fill(1)];
        mask = keep(fromArray(Uint8Array.from(current, (r) => (r === name ? 1 : 0)), shape, { dtype: 'bool', backend }));
        byName.set(key, mask);
      }
      out = where(mask, y, out);
    }
    return out;
  });
}
