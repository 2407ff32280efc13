import { type Backend, type Embedding, type Tensor, fromArray } from '@peft/core';
import { composite } from '@peft/core/plugin';

/**
 * T5's bucket of a relative position `key - query`, as transformers computes it (in float32 for the
 * logarithmic part): bidirectional buckets (the encoder) give half the buckets to keys after the
 * query; causal ones (the decoder) map every later key to bucket 0. Small distances get a bucket
 * each; larger ones share logarithmically wider buckets up to `maxDistance`, past which all fall in
 * the last bucket.
 *
 * @example
 * ```ts
 * relativePositionBucket(-3, { bidirectional: true, numBuckets: 32, maxDistance: 128 }); // 3
 * relativePositionBucket(5, { bidirectional: true, numBuckets: 32, maxDistance: 128 });  // 21
 * ```
 */
export function relativePositionBucket(relative: number, opts: { bidirectional: boolean; numBuckets: number; maxDistance: number }): number {
  let buckets = opts.numBuckets;
  let bucket = 0;
  let distance: number;
  if (opts.bidirectional) {
    buckets = Math.floor(buckets / 2);
    if (relative > 0) bucket += buckets;
    distance = Math.abs(relative);
  } else {
    distance = -Math.min(relative, 0);
  }
  const maxExact = Math.floor(buckets / 2);
  if (distance < maxExact) return bucket + distance;
  const f = Math.fround;
  // float32 steps, as torch: log(d / maxExact) / log(maxDistance / maxExact) * (buckets - maxExact)
  const scaled = f(f(f(Math.log(f(distance / maxExact))) / f(Math.log(opts.maxDistance / maxExact))) * (buckets - maxExact));
  const large = Math.min(maxExact + Math.trunc(scaled), buckets - 1);
  return bucket + large;
}

/**
 * The bucket ids `[queries, keys]` (i32) for queries at positions `queryStart, …` and keys at `0, …`.
 *
 * @example
 * ```ts
 * const ids = relativePositionBuckets({ queryStart: 0, queries: 8, keys: 8, bidirectional: true, numBuckets: 32, maxDistance: 128 }, backend);
 * ```
 */
export function relativePositionBuckets(
  opts: { queryStart: number; queries: number; keys: number; bidirectional: boolean; numBuckets: number; maxDistance: number },
  backend: Backend,
): Tensor {
  const ids = new Int32Array(opts.queries * opts.keys);
  const memo = new Map<number, number>();
  for (let i = 0; i < opts.queries; i++) {
    for (let j = 0; j < opts.keys; j++) {
      const rel = j - (opts.queryStart + i);
      let b = memo.get(rel);
      if (b === undefined) {
        b = relativePositionBucket(rel, opts);
        memo.set(rel, b);
      }
      ids[i * opts.keys + j] = b;
    }
  }
  return fromArray(ids, [opts.queries, opts.keys], { dtype: 'i32', backend });
}

/**
 * The learned relative position bias `[1, heads, queries, keys]`: the rows of `table`
 * (`relative_attention_bias`, `[numBuckets, heads]`) at each query/key pair's bucket.
 *
 * @example
 * ```ts
 * const bias = relativePositionBias(attn.relative_attention_bias, { queryStart: past, queries: 1, keys: past + 1, bidirectional: false, numBuckets: 32, maxDistance: 128 });
 * ```
 */
export function relativePositionBias(
  table: Embedding,
  opts: { queryStart: number; queries: number; keys: number; bidirectional: boolean; numBuckets: number; maxDistance: number },
): Tensor {
  return composite(() => {
    const ids = relativePositionBuckets(opts, table.weight.backend);
    const values = table.forward(ids); // [queries, keys, heads]
    return values.permute([2, 0, 1]).reshape([1, table.embeddingDim, opts.queries, opts.keys]);
  });
}
