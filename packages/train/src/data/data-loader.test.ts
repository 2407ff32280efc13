import { describe, expect, it } from 'vitest';
import { ArgumentError, ConfigError, FileFormatError } from '@peft/core';
import { DataLoader } from './data-loader.js';

const items = Array.from({ length: 10 }, (_, i) => i);

describe('DataLoader', () => {
  it('covers every item once per epoch in batches, with the last batch smaller', () => {
    const loader = new DataLoader(items, { batchSize: 4, seed: 5 });
    expect(loader.batchesPerEpoch).toBe(3);
    const epoch0 = [...loader.batches(1)];
    expect(epoch0.map((b) => b.batch.length)).toEqual([4, 4, 2]);
    expect(epoch0.map((b) => [b.epoch, b.index])).toEqual([[0, 0], [0, 1], [0, 2]]);
    expect(epoch0.flatMap((b) => b.batch).sort((a, b) => a - b)).toEqual(items);
    expect(loader.epoch).toBe(1);
    expect(loader.index).toBe(0);
  });

  it('reshuffles every epoch and repeats the same orders for the same seed', () => {
    const order = (seed: number) => [...new DataLoader(items, { batchSize: 10, seed }).batches(3)].map((b) => b.batch);
    const a = order(7);
    expect(order(7)).toEqual(a);
    expect(a[1]).not.toEqual(a[0]);
    expect(a[0]).not.toEqual(items);
    expect(order(8)[0]).not.toEqual(a[0]);
  });

  it('keeps the original order without shuffle and drops the short batch with dropLast', () => {
    const loader = new DataLoader(items, { batchSize: 4, shuffle: false, dropLast: true });
    expect(loader.batchesPerEpoch).toBe(2);
    expect([...loader.batches(2)].map((b) => b.batch)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it('runs through epochs without end on next()', () => {
    const loader = new DataLoader(items, { batchSize: 3 });
    const epochs = Array.from({ length: 9 }, () => loader.next().epoch);
    expect(epochs).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2]);
  });

  it('resumes from a saved state (through JSON) with exactly the batches an uninterrupted run sees', () => {
    const straight = new DataLoader(items, { batchSize: 3, seed: 11 });
    const expected = Array.from({ length: 10 }, () => straight.next().batch);
    const first = new DataLoader(items, { batchSize: 3, seed: 11 });
    const seen = Array.from({ length: 6 }, () => first.next().batch);
    const saved = JSON.parse(JSON.stringify(first.state()));
    expect(saved).toEqual({ epoch: 1, index: 2, seed: 11, size: 10, batchSize: 3, shuffle: true, dropLast: false });
    const resumed = new DataLoader(items, { batchSize: 3, seed: 11 });
    resumed.restore(saved);
    seen.push(...Array.from({ length: 4 }, () => resumed.next().batch));
    expect(seen).toEqual(expected);
  });

  it('takes the seed of the restored state', () => {
    const a = new DataLoader(items, { batchSize: 5, seed: 1 });
    a.next();
    const b = new DataLoader(items, { batchSize: 5, seed: 99 });
    b.restore(a.state());
    expect(b.seed).toBe(1);
    expect(b.next()).toEqual(a.next());
  });

  it('refuses a state saved for other data or settings, naming what differs', () => {
    const saved = new DataLoader(items, { batchSize: 3 }).state();
    expect(() => new DataLoader(items.slice(1), { batchSize: 3 }).restore(saved)).toThrow(ConfigError);
    expect(() => new DataLoader(items.slice(1), { batchSize: 3 }).restore(saved)).toThrow('DataLoader.restore: the state was saved with size 10, this loader has size 9; resuming would give different batches');
    expect(() => new DataLoader(items, { batchSize: 4 }).restore(saved)).toThrow(/saved with batchSize 3, this loader has batchSize 4/);
    expect(() => new DataLoader(items, { batchSize: 3, dropLast: true }).restore(saved)).toThrow(/saved with dropLast false, this loader has dropLast true/);
  });

  it('refuses a malformed state, naming the field', () => {
    const loader = new DataLoader(items, { batchSize: 3 });
    const good = loader.state();
    expect(() => loader.restore(null)).toThrow(FileFormatError);
    expect(() => loader.restore({ ...good, epoch: -1 })).toThrow(/^DataLoader.restore: field "epoch" is invalid: .*>=0.*-1/);
    expect(() => loader.restore({ ...good, index: 4 })).toThrow('DataLoader.restore: "index" must be below the 4 batches of an epoch, got 4');
    expect(() => loader.restore({ ...good, shuffle: 'yes' })).toThrow('DataLoader.restore: field "shuffle" should be boolean, got "yes"');
    expect(() => loader.restore({ ...good, seed: undefined })).toThrow('DataLoader.restore: missing field "seed" (expected number)');
    expect(() => loader.restore({ ...good, extra: 1 })).toThrow(/^DataLoader.restore: unexpected field "extra"/);
    expect(loader.state()).toEqual(good);
  });

  it('rejects a bad batch size, an empty dataset and dropLast without a full batch', () => {
    expect(() => new DataLoader(items, { batchSize: 0 })).toThrow(ArgumentError);
    expect(() => new DataLoader([], { batchSize: 2 })).toThrow('DataLoader: expected at least one item, got an empty dataset');
    expect(() => new DataLoader(items, { batchSize: 11, dropLast: true })).toThrow('DataLoader: with dropLast, 10 items make no full batch of 11');
  });
});
