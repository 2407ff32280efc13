import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@peft/core';
import { seededPermutation } from './seeded-permutation.js';

describe('seededPermutation', () => {
  it('gives fixed orders for fixed seeds (pinned, so a change of the algorithm shows)', () => {
    // also computed by an independent Python port of core's hash32 and this shuffle
    expect(seededPermutation(10, 42)).toEqual([0, 1, 3, 2, 5, 9, 8, 6, 4, 7]);
    expect(seededPermutation(10, 42, 1)).toEqual([4, 1, 0, 8, 3, 6, 7, 2, 5, 9]);
    expect(seededPermutation(10, 7)).toEqual([5, 3, 7, 4, 2, 8, 9, 6, 0, 1]);
  });

  it('is a permutation of 0 … n-1', () => {
    for (const n of [0, 1, 2, 17, 1000]) {
      expect([...seededPermutation(n, 3)].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('reaches every order of 4 items about equally often over many seeds', () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 2400; seed++) {
      const key = seededPermutation(4, seed).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    for (const c of counts.values()) {
      expect(c).toBeGreaterThan(60);
      expect(c).toBeLessThan(140);
    }
  });

  it('rejects a bad seed or size', () => {
    expect(() => seededPermutation(3, -1)).toThrow(ArgumentError);
    expect(() => seededPermutation(3, 1.5)).toThrow('seededPermutation: seed must be an integer in [0, 2^32), got 1.5');
    expect(() => seededPermutation(-2, 0)).toThrow('seededPermutation: n must be a non-negative integer, got -2');
  });
});
