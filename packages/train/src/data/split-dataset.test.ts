import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@peft/core';
import { splitDataset } from './split-dataset.js';

const items = Array.from({ length: 50 }, (_, i) => `example-${i}`);

describe('splitDataset', () => {
  it('holds out the asked share, rounded up, and keeps the original order in both parts', () => {
    const { train, eval: held } = splitDataset(items, { evalFraction: 0.1, seed: 1 });
    expect(held).toHaveLength(5);
    expect(train).toHaveLength(45);
    expect([...train, ...held].sort()).toEqual([...items].sort());
    const index = (s: string) => items.indexOf(s);
    expect(train.map(index)).toEqual([...train.map(index)].sort((a, b) => a - b));
    expect(held.map(index)).toEqual([...held.map(index)].sort((a, b) => a - b));
    expect(splitDataset(items, { evalFraction: 0.01 }).eval).toHaveLength(1);
  });

  it('gives the same split for the same seed and another for another seed', () => {
    const a = splitDataset(items, { evalCount: 8, seed: 42 });
    const b = splitDataset([...items], { evalCount: 8, seed: 42 });
    const c = splitDataset(items, { evalCount: 8, seed: 43 });
    expect(b).toEqual(a);
    expect(c.eval).not.toEqual(a.eval);
  });

  it('does not hold out the first items only', () => {
    const { eval: held } = splitDataset(items, { evalCount: 10, seed: 0 });
    expect(held).not.toEqual(items.slice(0, 10));
  });

  it('rejects bad sizes and asks for exactly one of fraction and count', () => {
    expect(() => splitDataset(items, {})).toThrow('splitDataset: give exactly one of evalFraction and evalCount, got neither');
    expect(() => splitDataset(items, { evalFraction: 0.1, evalCount: 2 })).toThrow('splitDataset: give exactly one of evalFraction and evalCount, got both');
    expect(() => splitDataset(items, { evalFraction: 1 })).toThrow('splitDataset: evalFraction must be in (0, 1), got 1');
    expect(() => splitDataset(items, { evalCount: 0 })).toThrow('splitDataset: evalCount must be a positive integer, got 0');
    expect(() => splitDataset(items, { evalCount: 50 })).toThrow('splitDataset: holding out 50 of 50 examples leaves none to train on');
    expect(() => splitDataset(items, { evalCount: 2, seed: -3 })).toThrow(ArgumentError);
  });
});
