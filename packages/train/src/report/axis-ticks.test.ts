import { describe, expect, it } from 'vitest';
import { formatTick, niceTicks } from './axis-ticks.js';

describe('niceTicks', () => {
  it('covers the data with ticks spaced 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0.13, 2.9, 6)).toEqual({ min: 0, max: 3, step: 0.5, values: [0, 0.5, 1, 1.5, 2, 2.5, 3] });
    expect(niceTicks(0, 1000, 6).values).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(2.301, 2.337, 5).values).toEqual([2.3, 2.31, 2.32, 2.33, 2.34]);
  });

  it('writes tick values without floating-point noise', () => {
    for (const v of niceTicks(0.1, 0.7, 7).values) expect(String(v).length).toBeLessThanOrEqual(3);
  });

  it('widens an empty range so one value still gets an axis around it', () => {
    const t = niceTicks(7, 7, 5, 1);
    expect(t.min).toBeLessThan(7);
    expect(t.max).toBeGreaterThan(7);
    expect(t.values).toContain(7);
    const z = niceTicks(0, 0);
    expect(z.min).toBeLessThan(0);
    expect(z.max).toBeGreaterThan(0);
  });

  it('never spaces ticks closer than minStep', () => {
    expect(niceTicks(1, 3, 10, 1).values).toEqual([1, 2, 3]);
  });

  it('falls back to [0, 1] when there is no finite data', () => {
    expect(niceTicks(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('formatTick', () => {
  it('writes the decimals the tick spacing needs', () => {
    expect(formatTick(1, 0.5)).toBe('1.0');
    expect(formatTick(2.35, 0.05)).toBe('2.35');
    expect(formatTick(2000, 500)).toBe('2000');
    expect(formatTick(0, 0.1)).toBe('0');
  });

  it('uses exponent form for very large or very small values', () => {
    expect(formatTick(2e6, 1e6)).toBe('2.00e+6');
    expect(formatTick(5e-5, 1e-5)).toBe('5.00e-5');
  });
});
