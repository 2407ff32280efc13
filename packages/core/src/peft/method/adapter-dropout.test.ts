import { describe, expect, it } from 'vitest';
import { Generator } from '../../random.js';
import { testBackends } from '../../test-support/backends.js';
import { moduleDropped, rankDropoutMask } from './adapter-dropout.js';

const backends = await testBackends();

describe('moduleDropped', () => {
  it('never drops in evaluation or with p 0, always with p 1', () => {
    expect(moduleDropped(0.9, false)).toBe(false);
    expect(moduleDropped(0, true)).toBe(false);
    expect(moduleDropped(1, true, new Generator(1))).toBe(true);
  });

  it('drops about a share p of the passes, reproducibly from a seed', () => {
    const count = (seed: number) => {
      const g = new Generator(seed);
      return Array.from({ length: 2000 }, () => moduleDropped(0.25, true, g)).filter(Boolean).length;
    };
    expect(count(7)).toBe(count(7));
    expect(Math.abs(count(7) / 2000 - 0.25)).toBeLessThan(0.04);
  });
});

describe.each(backends)('rankDropoutMask on $name', ({ backend }) => {
  it('is absent when it would do nothing', () => {
    expect(rankDropoutMask(8, 0.5, true, false, { backend, dtype: 'f32' })).toBeUndefined();
    expect(rankDropoutMask(8, 0, true, true, { backend, dtype: 'f32' })).toBeUndefined();
  });

  it('keeps rows with zeros and ones, or rescaled so the kept rows average to one', async () => {
    const plain = Array.from(await rankDropoutMask(64, 0.5, false, true, { backend, dtype: 'f32', generator: new Generator(3) })!.data());
    expect(plain.every((v) => v === 0 || v === 1)).toBe(true);
    const kept = plain.filter((v) => v === 1).length;
    expect(kept).toBeGreaterThan(10);
    const scaled = Array.from(await rankDropoutMask(64, 0.5, true, true, { backend, dtype: 'f32', generator: new Generator(3) })!.data());
    scaled.forEach((v, i) => expect(v).toBeCloseTo(plain[i] * (64 / kept), 5));
    const all = Array.from(await rankDropoutMask(4, 1, true, true, { backend, dtype: 'f32', generator: new Generator(3) })!.data());
    expect(all).toEqual([0, 0, 0, 0]);
  });
});
