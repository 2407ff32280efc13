import { describe, expect, it } from 'vitest';
import { testBackends } from '../test-support/backends.js';
import { readF64 } from '../test-support/numeric.js';
import { fromArray } from '../ops/creation.js';
import { tidy } from '../scope.js';
import { KVCache } from './kv-cache.js';

const backends = await testBackends();

describe.each(backends)('KVCache on $name', ({ backend }) => {
  const kv = (start: number, len: number) => fromArray(Array.from({ length: 2 * len }, (_, i) => start + i), [1, 2, len, 1], { backend });

  it('appends new positions after the cached ones and reports the length', async () => {
    const cache = new KVCache(2);
    expect(cache.length).toBe(0);
    cache.update(0, kv(0, 2), kv(100, 2));
    const { key, value } = cache.update(0, kv(10, 1), kv(110, 1));
    expect(cache.length).toBe(3);
    expect(key.shape).toEqual([1, 2, 3, 1]);
    expect([...(await readF64(key))]).toEqual([0, 1, 10, 2, 3, 11]);
    expect([...(await readF64(value))]).toEqual([100, 101, 110, 102, 103, 111]);
    expect(cache.layer(1)).toBeUndefined();
  });

  it('keeps a persistent cache alive across tidy scopes and frees what it replaced', async () => {
    const cache = new KVCache(1, { persistent: true });
    tidy(() => void cache.update(0, kv(0, 2), kv(0, 2)));
    const first = cache.layer(0)!.key;
    expect(first.isDisposed).toBe(false);
    tidy(() => void cache.update(0, kv(5, 1), kv(5, 1)));
    expect(first.isDisposed).toBe(true);
    expect([...(await readF64(cache.layer(0)!.key))]).toEqual([0, 1, 5, 2, 3, 6]);
    const last = cache.layer(0)!.key;
    cache.dispose();
    expect(last.isDisposed).toBe(true);
    expect(cache.length).toBe(0);
  });

  it('never frees a prefix it was given', () => {
    const k = kv(0, 3);
    const v = kv(0, 3);
    const cache = KVCache.fromPrefix([{ key: k, value: v }], { persistent: true });
    tidy(() => void cache.update(0, kv(9, 1), kv(9, 1)));
    cache.dispose();
    expect(k.isDisposed || v.isDisposed).toBe(false);
  });

  it('rejects keys that differ outside the length axis, and bad layer indices', () => {
    const cache = new KVCache(1);
    cache.update(0, kv(0, 2), kv(0, 2));
    expect(() => cache.update(0, fromArray([1, 2, 3], [1, 3, 1, 1], { backend }), fromArray([1, 2, 3], [1, 3, 1, 1], { backend }))).toThrow(
      /layer 0 holds keys \[1, 2, 2, 1\], new keys \[1, 3, 1, 1\] differ outside the length axis/,
    );
    expect(() => cache.layer(1)).toThrow(/layer index in \[0, 1\), got 1/);
    expect(() => new KVCache(0)).toThrow(/numLayers >= 1/);
  });
});
