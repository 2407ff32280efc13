import { ArgumentError, ShapeError } from '../errors.js';
import { concat } from '../ops/views.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';

/** One layer's cached keys and values, each `[batch, kvHeads, length, headDim]`. @example `const { key, value } = cache.layer(0)!;` */
export interface KVPair {
  readonly key: Tensor;
  readonly value: Tensor;
}

/**
 * Keys and values of earlier positions, per attention layer: what a decoder reuses between
 * generation steps, and how prefix tuning hands its learned prefix to every layer.
 *
 * A model's attention calls {@link KVCache.update} once per forward with the new positions' keys and
 * values and attends over what it returns. Tensors are `[batch, kvHeads, length, headDim]` (key/value
 * heads before grouped-query repetition, as transformers stores them).
 *
 * Ownership: a `persistent` cache (what generation uses) keeps the tensors it builds alive across
 * `tidy` scopes and frees each one when a newer one replaces it or on {@link KVCache.dispose}. A
 * non-persistent cache (a training forward with a prefix) leaves them to the enclosing scope, so the
 * gradient graph stays intact. Tensors handed in with {@link KVCache.fromPrefix} are never freed by
 * the cache.
 *
 * @example
 * ```ts
 * const cache = new KVCache(model.info.numLayers, { persistent: true });
 * model.forward({ inputIds: prompt, pastKeyValues: cache });   // fills the cache
 * model.forward({ inputIds: next, pastKeyValues: cache });     // attends over prompt + next
 * cache.dispose();
 * ```
 */
export class KVCache {
  private readonly entries: (KVPair | undefined)[];
  private readonly owned: boolean[];
  /** Whether the cache keeps its tensors alive across `tidy` scopes. */
  readonly persistent: boolean;

  constructor(
    /** Number of attention layers. */
    readonly numLayers: number,
    opts?: { persistent?: boolean },
  ) {
    if (!Number.isInteger(numLayers) || numLayers < 1) throw new ArgumentError(`KVCache: expected numLayers >= 1, got ${numLayers}`);
    this.entries = new Array<KVPair | undefined>(numLayers).fill(undefined);
    this.owned = new Array<boolean>(numLayers).fill(false);
    this.persistent = opts?.persistent ?? false;
  }

  /**
   * A cache that starts with a given prefix in every layer (prefix tuning). The tensors stay owned by
   * the caller.
   *
   * @example
   * ```ts
   * const cache = KVCache.fromPrefix(layers.map((l) => ({ key: l.k, value: l.v })));
   * ```
   */
  static fromPrefix(layers: readonly KVPair[], opts?: { persistent?: boolean }): KVCache {
    const cache = new KVCache(layers.length, opts);
    layers.forEach((pair, i) => {
      checkPair('KVCache.fromPrefix', pair, i);
      cache.entries[i] = pair;
    });
    return cache;
  }

  /** Number of cached positions (0 when empty). @example `const past = cache.length;` */
  get length(): number {
    const first = this.entries.find((e) => e !== undefined);
    return first ? first.key.shape[2] : 0;
  }

  /** The cached keys and values of layer `i`, or undefined. @example `cache.layer(0)?.key.shape` */
  layer(i: number): KVPair | undefined {
    this.checkLayer('KVCache.layer', i);
    return this.entries[i];
  }

  /**
   * Appends the new positions' `key` and `value` to layer `i` and returns the full keys and values
   * (cached first). @example `const { key, value } = cache.update(i, k, v);`
   */
  update(i: number, key: Tensor, value: Tensor): KVPair {
    this.checkLayer('KVCache.update', i);
    checkPair('KVCache.update', { key, value }, i);
    const old = this.entries[i];
    let next: KVPair;
    if (old === undefined) {
      next = { key, value };
    } else {
      if (old.key.shape[0] !== key.shape[0] || old.key.shape[1] !== key.shape[1] || old.key.shape[3] !== key.shape[3]) {
        throw new ShapeError(
          `KVCache.update: layer ${i} holds keys [${old.key.shape.join(', ')}], new keys [${key.shape.join(', ')}] differ outside the length axis`,
        );
      }
      next = { key: concat([old.key, key], 2), value: concat([old.value, value], 2) };
    }
    if (this.persistent) {
      if (old !== undefined && this.owned[i]) {
        old.key.dispose();
        old.value.dispose();
      }
      // inputs handed in directly are the caller's; anything concatenated is ours
      this.owned[i] = old !== undefined;
      if (this.owned[i]) {
        keep(next.key);
        keep(next.value);
      } else {
        // keep the caller's tensors alive past the step's tidy by holding our own references
        next = { key: keep(key.detach()), value: keep(value.detach()) };
        this.owned[i] = true;
      }
    }
    this.entries[i] = next;
    return next;
  }

  /** Frees every tensor the cache built and empties it. @example `cache.dispose()` */
  dispose(): void {
    this.entries.forEach((e, i) => {
      if (e && this.owned[i]) {
        e.key.dispose();
        e.value.dispose();
      }
      this.entries[i] = undefined;
      this.owned[i] = false;
    });
  }

  private checkLayer(op: string, i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numLayers) {
      throw new ArgumentError(`${op}: expected a layer index in [0, ${this.numLayers}), got ${i}`);
    }
  }
}

function checkPair(op: string, pair: KVPair, i: number): void {
  const { key, value } = pair;
  if (key.rank !== 4 || value.rank !== 4 || key.shape.some((d, a) => a !== 3 && d !== value.shape[a])) {
    throw new ShapeError(
      `${op}: expected key and value [batch, kvHeads, length, headDim] of matching shape for layer ${i}, got [${key.shape.join(', ')}] and [${value.shape.join(', ')}]`,
    );
  }
}
