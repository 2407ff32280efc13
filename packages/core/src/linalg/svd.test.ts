import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.js';
import { svd } from './svd.js';
import {
  matmul,
  maxAbs,
  orthonormalityError,
  randomMatrix,
  subtract,
  torchCases,
  transpose,
  truncate,
} from '../test-support/matrix.js';

/** Checks u·diag(s)·vt = a, orthonormal u columns and vt rows, and sorted non-negative s. */
function checkedSvd(a: Float64Array, rows: number, cols: number) {
  const { u, s, vt, k } = svd(a, rows, cols);
  expect(k).toBe(Math.min(rows, cols));
  expect([u.length, s.length, vt.length]).toEqual([rows * k, k, k * cols]);
  const size = Math.max(1, maxAbs(a));
  expect(maxAbs(subtract(truncate(u, s, vt, rows, cols, k, k), a))).toBeLessThan(1e-14 * size);
  expect(orthonormalityError(u, rows, k)).toBeLessThan(1e-14);
  expect(orthonormalityError(transpose(vt, k, cols), cols, k)).toBeLessThan(1e-14);
  for (let j = 0; j < k; j++) {
    expect(s[j]).toBeGreaterThanOrEqual(0);
    if (j > 0) expect(s[j]).toBeLessThanOrEqual(s[j - 1]);
  }
  return { u, s, vt, k };
}

describe('svd', () => {
  it.each([
    [4, 3],
    [3, 5],
    [8, 8],
    [40, 9],
    [9, 40],
    [1, 6],
    [6, 1],
    [1, 1],
  ])('factors a random %i × %i matrix into orthonormal u, sorted s and orthonormal vt', (rows, cols) => {
    checkedSvd(randomMatrix(rows, cols, rows * 100 + cols), rows, cols);
  });

  it.each(torchCases().map((c) => [c.name, c] as const))('agrees with torch.linalg.svd for %s', (_, c) => {
    const { u, s, vt, k } = checkedSvd(Float64Array.from(c.a), c.rows, c.cols);
    const top = c.s[0] || 1;
    expect(maxAbs(subtract(s, Float64Array.from(c.s)))).toBeLessThan(1e-12 * top);
    // a rank-r truncation is only determined where s[r-1] and s[r] are apart
    const ranks = Array.from({ length: k }, (_, i) => i + 1).filter((r) => r === k || c.s[r - 1] - c.s[r] > 1e-8 * top);
    for (const r of ranks) {
      const ours = truncate(u, s, vt, c.rows, c.cols, k, r);
      const theirs = truncate(Float64Array.from(c.u), c.s, Float64Array.from(c.vt), c.rows, c.cols, k, r);
      expect(maxAbs(subtract(ours, theirs))).toBeLessThan(1e-12 * top);
    }
  });

  it('makes the largest-magnitude entry of each column of u positive', () => {
    const { u, k } = checkedSvd(randomMatrix(7, 5, 3), 7, 5);
    for (let j = 0; j < k; j++) {
      const column = Array.from({ length: 7 }, (_, i) => u[i * k + j]);
      const largest = column.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best));
      expect(largest).toBeGreaterThan(0);
    }
  });

  it('finds the documented factors of a small diagonal matrix', () => {
    const { u, s, vt } = checkedSvd(new Float64Array([3, 0, 0, 0, -2, 0]), 2, 3);
    expect(Array.from(s)).toEqual([3, 2]);
    expect(Array.from(u)).toEqual([1, 0, 0, 1]);
    expect(Array.from(vt)).toEqual([1, 0, 0, 0, -1, 0]);
  });

  it('gives a 1-row or 1-column matrix its length as the one singular value', () => {
    const row = new Float64Array([3, -4, 12]);
    expect(checkedSvd(row, 1, 3).s[0]).toBeCloseTo(13, 14);
    expect(checkedSvd(row, 3, 1).s[0]).toBeCloseTo(13, 14);
  });

  it('keeps u and vt orthonormal for a rank-deficient matrix, with zero trailing singular values', () => {
    const left = randomMatrix(9, 2, 5);
    const right = randomMatrix(2, 6, 6);
    const { s } = checkedSvd(matmul(left, right, 9, 2, 6), 9, 6);
    expect(s[1]).toBeGreaterThan(1e-3);
    expect(maxAbs(s.subarray(2))).toBeLessThan(1e-14 * s[0]);
  });

  it('completes u and vt to orthonormal sets for the zero matrix', () => {
    for (const [rows, cols] of [
      [4, 3],
      [3, 4],
    ]) {
      const { s } = checkedSvd(new Float64Array(rows * cols), rows, cols);
      expect(Array.from(s)).toEqual(Array.from({ length: 3 }, () => 0));
    }
  });

  it('completes the singular vectors of a matrix with exactly zero columns', () => {
    const a = new Float64Array([0, 1, 0, 0, 2, 0, 0, 3, 0]); // rank 1, two zero columns
    const { s } = checkedSvd(a, 3, 3);
    expect(s[0]).toBeCloseTo(Math.sqrt(14), 14);
    expect(Array.from(s.subarray(1))).toEqual([0, 0]);
  });

  it('handles repeated singular values', () => {
    const a = new Float64Array([0, 2, 0, 0, 0, 2, 2, 0, 0]); // 2 × a permutation
    const { s } = checkedSvd(a, 3, 3);
    expect(Array.from(s)).toEqual([2, 2, 2]);
  });

  it('recovers tiny singular values with high relative accuracy', () => {
    // diag(1, 1e-9, 1e-15) turned by two fixed orthogonal matrices
    const { q: left } = orthonormalFrom(randomMatrix(3, 3, 8));
    const { q: right } = orthonormalFrom(randomMatrix(3, 3, 9));
    const scaled = left.map((x, i) => x * [1, 1e-9, 1e-15][i % 3]);
    const { s } = checkedSvd(matmul(scaled, transpose(right, 3, 3), 3, 3, 3), 3, 3);
    expect(s[1] / 1e-9).toBeCloseTo(1, 6);
    expect(s[2]).toBeLessThan(1e-14);
  });

  it('is not thrown off by very large or very small entries', () => {
    for (const scale of [1e200, 1e-200]) {
      const a = randomMatrix(5, 4, 12).map((x) => x * scale);
      const { u, s, vt } = svd(a, 5, 4);
      expect(maxAbs(subtract(truncate(u, s, vt, 5, 4, 4, 4), a)) / scale).toBeLessThan(1e-14);
    }
  });

  it('rejects a length that does not match rows × cols, naming what came', () => {
    expect(() => svd(new Float64Array(7), 2, 3)).toThrow(ArgumentError);
    expect(() => svd(new Float64Array(7), 2, 3)).toThrow('svd: expected 6 entries (2 × 3), got 7');
  });

  it('rejects sizes that are not non-negative integers', () => {
    expect(() => svd(new Float64Array(6), 2, 3.5)).toThrow('svd: expected cols to be a non-negative integer, got 3.5');
    expect(() => svd(new Float64Array(6), NaN, 3)).toThrow(ArgumentError);
  });

  it('rejects non-finite entries, naming where', () => {
    expect(() => svd(new Float64Array([1, 0, Infinity, 1]), 2, 2)).toThrow(
      'svd: expected finite entries, got Infinity at [1, 0]',
    );
  });
});

/** Orthonormal columns by Gram–Schmidt, enough to build a test matrix with chosen singular values. */
function orthonormalFrom(a: Float64Array): { q: Float64Array } {
  const q = Float64Array.from(a);
  for (let j = 0; j < 3; j++) {
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let i = 0; i < 3; i++) dot += q[i * 3 + j] * q[i * 3 + p];
      for (let i = 0; i < 3; i++) q[i * 3 + j] -= dot * q[i * 3 + p];
    }
    const norm = Math.hypot(q[j], q[3 + j], q[6 + j]);
    for (let i = 0; i < 3; i++) q[i * 3 + j] /= norm;
  }
  return { q };
}
