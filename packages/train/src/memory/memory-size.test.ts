import { describe, expect, it } from 'vitest';
import { formatBytes, parseMemorySize } from './memory-size.js';

describe('memory sizes', () => {
  it.each([
    ['8GiB', 8 * 2 ** 30],
    ['12 GB', 12e9],
    ['512M', 512 * 2 ** 20],
    ['1.5gib', 1.5 * 2 ** 30],
    [1000, 1000],
    ['4096', 4096],
  ])('reads %j', (v, bytes) => expect(parseMemorySize(v, 'memory_budget')).toBe(bytes));

  it.each(['', 'lots', '-1GB', '8 parsecs', 0, -5, null, true])('refuses %j, naming the field', (v) => {
    expect(() => parseMemorySize(v, 'train.json: "memory_budget"')).toThrow(/train.json: "memory_budget": expected a memory size/);
  });

  it('formats bytes in the unit that reads best', () => {
    expect(formatBytes(3 * 2 ** 29)).toBe('1.50 GiB');
    expect(formatBytes(320 * 2 ** 20)).toBe('320.0 MiB');
    expect(formatBytes(900)).toBe('900 B');
  });
});
