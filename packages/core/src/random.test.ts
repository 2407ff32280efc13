import { describe, expect, it } from 'vitest';
import { ArgumentError } from './errors.js';
import { dropoutKeep, dropoutThreshold, hash32, mix32 } from './kernels/random-hash.js';
import { Generator, defaultGenerator, manualSeed } from './random.js';

describe('the counter-based hash', () => {
  it('is pinned to known values, which the WGSL twin must reproduce', () => {
    expect([hash32(0, 0), hash32(42, 0), hash32(42, 1), hash32(0xffffffff, 123456), hash32(7, 0xffffffff)]).toEqual([
      0, 3739334054, 3974703025, 1527523641, 3058833760,
    ]);
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).toBe(mix32(1 + 2 ** 32)); // 32-bit wrap-around of the input
  });

  it('gives unsigned 32-bit results that look uniform', () => {
    const buckets = new Array<number>(16).fill(0);
    for (let i = 0; i < 16000; i++) {
      const h = hash32(9, i);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
      buckets[h >>> 28]++;
    }
    for (const b of buckets) expect(Math.abs(b - 1000)).toBeLessThan(150);
  });

  it('dropout keeps an element when its 24 high bits reach the threshold', () => {
    expect(dropoutThreshold(0)).toBe(0);
    expect(dropoutThreshold(0.5)).toBe(2 ** 23);
    expect(dropoutThreshold(1)).toBe(2 ** 24);
    for (let i = 0; i < 50; i++) expect(dropoutKeep(3, i, 0.25)).toBe(hash32(3, i) >>> 8 >= 0.25 * 2 ** 24);
    expect(dropoutKeep(3, 0, 0)).toBe(true);
    expect(dropoutKeep(3, 0, 1)).toBe(false);
  });
});

describe('Generator', () => {
  it('draws uniform floats with 24 random bits from consecutive counters', () => {
    const g = new Generator(42);
    const u = g.uniform(5);
    expect(Array.from(u)).toEqual([0, 1, 2, 3, 4].map((i) => (hash32(42, i) >>> 8) / 2 ** 24));
    expect(g.state()).toEqual({ seed: 42, counter: 5 });
    for (const v of new Generator(1).uniform(1000)) expect(v >= 0 && v < 1).toBe(true);
  });

  it('draws normals with Box–Muller over two counters each, finite even at counter value 0', () => {
    const g = new Generator(0); // hash32(0, 0) is 0: the (0, 1] mapping keeps log finite
    const n = g.normal(4);
    expect(n.every(Number.isFinite)).toBe(true);
    expect(g.state().counter).toBe(8);
  });

  it('state and setState resume the stream exactly (checkpoints)', () => {
    const g = new Generator(7);
    g.normal(3);
    const s = g.state();
    const a = Array.from(g.uniform(4));
    const h = new Generator(99).setState(s);
    expect(Array.from(h.uniform(4))).toEqual(a);
  });

  it('manualSeed restarts a stream; nextSeed gives different kernel seeds on each call', () => {
    const g = new Generator(5);
    const first = Array.from(g.uniform(3));
    g.manualSeed(5);
    expect(Array.from(g.uniform(3))).toEqual(first);
    const seeds = new Set(Array.from({ length: 100 }, () => g.nextSeed()));
    expect(seeds.size).toBe(100);
  });

  it('reserve hands out disjoint counter ranges', () => {
    const g = new Generator(1);
    expect(g.reserve(10)).toBe(0);
    expect(g.reserve(5)).toBe(10);
    expect(g.state().counter).toBe(15);
  });

  it('the global generator is seeded by manualSeed', () => {
    manualSeed(11);
    const a = Array.from(defaultGenerator().uniform(2));
    manualSeed(11);
    expect(Array.from(defaultGenerator().uniform(2))).toEqual(a);
  });

  it('rejects seeds outside [0, 2^32) and bad counters with ArgumentError', () => {
    expect(() => new Generator(-1)).toThrow(ArgumentError);
    expect(() => new Generator(1.5)).toThrow('Generator: expected a seed that is an integer in [0, 2^32), got 1.5');
    expect(() => new Generator(2 ** 32)).toThrow(ArgumentError);
    expect(() => new Generator(1).setState({ seed: 1, counter: -1 })).toThrow('Generator.setState: expected a non-negative integer counter, got -1');
  });
});
