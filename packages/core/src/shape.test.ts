import { describe, expect, it } from 'vitest';
import { ArgumentError, ShapeError } from './errors.js';
import {
  broadcastShapes,
  checkShape,
  contiguousStrides,
  isContiguous,
  normalizeAxes,
  normalizeAxis,
  shapeSize,
  shapesEqual,
  viewStrides,
} from './shape.js';
import { testRandom } from './test-support/numeric.js';

/** Buffer offsets of every element of a strided view, in row-major order. */
function addresses(shape: readonly number[], strides: readonly number[], offset = 0): number[] {
  const out: number[] = [];
  const n = shapeSize(shape);
  const cs = contiguousStrides(shape);
  for (let f = 0; f < n; f++) out.push(shape.reduce((p, d, k) => p + (Math.floor(f / cs[k]) % d) * strides[k], offset));
  return out;
}

describe('shape helpers', () => {
  it('count elements and give row-major strides', () => {
    expect([shapeSize([]), shapeSize([2, 3, 4]), shapeSize([3, 0])]).toEqual([1, 24, 0]);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
  });

  it('recognise contiguous layouts, ignoring the strides of unit axes', () => {
    expect(isContiguous([2, 3], [3, 1])).toBe(true);
    expect(isContiguous([2, 1, 3], [3, 99, 1])).toBe(true);
    expect(isContiguous([2, 3], [1, 2])).toBe(false);
    expect(isContiguous([2, 3], [0, 1])).toBe(false);
  });

  it('broadcast with NumPy rules and name both shapes on failure', () => {
    expect(broadcastShapes([2, 1, 4], [3, 1], 'add')).toEqual([2, 3, 4]);
    expect(broadcastShapes([], [5], 'mul')).toEqual([5]);
    expect(broadcastShapes([0, 1], [1, 3], 'mul')).toEqual([0, 3]);
    expect(() => broadcastShapes([2, 3], [4], 'add')).toThrow(ShapeError);
    expect(() => broadcastShapes([2, 3], [4], 'add')).toThrow('add: shapes [2, 3] and [4] cannot be broadcast (axis 1: 3 vs 4)');
  });

  it('normalise negative axes, sort and de-duplicate axis lists', () => {
    expect(normalizeAxis(-1, 3, 'softmax')).toBe(2);
    expect(normalizeAxis(0, 0, 'sum')).toBe(0); // a scalar's only "axis"
    expect(() => normalizeAxis(3, 3, 'sum')).toThrow(ArgumentError);
    expect(() => normalizeAxis(1.5, 3, 'sum')).toThrow('sum: axis 1.5 is out of range for a tensor of rank 3');
    expect(normalizeAxes([-1, 0, 2], 3, 'sum')).toEqual([0, 2]);
    expect(normalizeAxes(undefined, 3, 'sum')).toEqual([0, 1, 2]);
    expect(normalizeAxes(1, 3, 'sum')).toEqual([1]);
  });

  it('validate shapes and compare them', () => {
    expect(() => checkShape([2, -1], 'zeros')).toThrow('zeros: expected non-negative integer sizes, got [2, -1]');
    expect(() => checkShape([2.5], 'zeros')).toThrow(ArgumentError);
    expect(() => checkShape('2' as unknown as number[], 'zeros')).toThrow('zeros: expected a shape (array of sizes), got string');
    expect(shapesEqual([2, 3], [2, 3])).toBe(true);
    expect(shapesEqual([2, 3], [3, 2])).toBe(false);
    expect(shapesEqual([], [1])).toBe(false);
  });
});

describe('viewStrides', () => {
  it('reshapes transposes into views where no axis straddles a gap', () => {
    expect(viewStrides([4, 3], [1, 4], [4, 3, 1])).not.toBeNull();
    expect(viewStrides([4, 3], [1, 4], [1, 4, 1, 3])).not.toBeNull();
    expect(viewStrides([4, 3], [1, 4], [12])).toBeNull();
    expect(viewStrides([2, 3, 4], [12, 1, 3], [6, 4])).toBeNull();
    expect(viewStrides([2, 3, 4], [12, 1, 3], [2, 3, 2, 2])).toEqual([12, 1, 6, 3]);
    expect(viewStrides([6, 4], [4, 1], [2, 3, 4])).toEqual([12, 4, 1]);
    expect(viewStrides([3, 1], [0, 1], [3])).toEqual([0]); // an expanded axis keeps stride 0
    expect(viewStrides([2, 3], [3, 1], [7])).toBeNull();
  });

  it('finds a view exactly when one exists for random strided inputs, preserving element order', () => {
    const next = testRandom(21);
    let views = 0;
    for (let trial = 0; trial < 400; trial++) {
      // a random contiguous base, permuted and sliced with steps
      const rank = 1 + Math.floor(next() * 4);
      const base = Array.from({ length: rank }, () => 1 + Math.floor(next() * 4));
      const strides = contiguousStrides(base);
      const perm = base.map((_, i) => i).sort(() => next() - 0.5);
      let shape = perm.map((p) => base[p]);
      let st = perm.map((p) => strides[p]);
      if (next() < 0.3) {
        const k = Math.floor(next() * rank);
        const step = 1 + Math.floor(next() * 2);
        shape = shape.map((d, i) => (i === k ? Math.ceil(d / step) : d));
        st = st.map((s, i) => (i === k ? s * step : s));
      }
      // a random target: factor the size and shuffle in unit axes
      const n = shapeSize(shape);
      const target: number[] = [];
      let rest = n;
      while (rest > 1) {
        const divisors = Array.from({ length: rest }, (_, i) => i + 1).filter((d) => d > 1 && rest % d === 0);
        const d = divisors[Math.floor(next() * divisors.length)];
        target.push(d);
        rest /= d;
      }
      if (next() < 0.5) target.splice(Math.floor(next() * (target.length + 1)), 0, 1);
      const got = viewStrides(shape, st, target);
      const want = addresses(shape, st);
      // a strided view of the target shape exists iff the strides read off the first step along
      // each axis reproduce every address
      const cs = contiguousStrides(target);
      const candidate = target.map((d, j) => (d > 1 ? want[cs[j]] - want[0] : 0));
      const exists = shapeSize(target) === 0 || addresses(target, candidate).every((a, i) => a === want[i]);
      expect({ shape, st, target, view: got !== null }).toEqual({ shape, st, target, view: exists });
      if (got) {
        views++;
        expect(addresses(target, got)).toEqual(want);
      }
    }
    expect(views).toBeGreaterThan(100);
  });
});
