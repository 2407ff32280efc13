import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.js';
import { qr } from './qr.js';
import { matmul, maxAbs, orthonormalityError, randomMatrix, subtract, torchCases } from '../test-support/matrix.js';

/** Checks q·r = a, orthonormal q and upper-triangular r; returns the factors. */
function checkedQr(a: Float64Array, rows: number, cols: number) {
  const { q, r, k } = qr(a, rows, cols);
  expect(k).toBe(Math.min(rows, cols));
  expect(q.length).toBe(rows * k);
  expect(r.length).toBe(k * cols);
  expect(maxAbs(subtract(matmul(q, r, rows, k, cols), a))).toBeLessThan(1e-14 * Math.max(1, maxAbs(a)));
  expect(orthonormalityError(q, rows, k)).toBeLessThan(1e-14);
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(r[i * cols + j]).toBe(0);
  return { q, r, k };
}

describe('qr', () => {
  it.each([
    [4, 3],
    [3, 5],
    [8, 8],
    [30, 17],
    [1, 6],
    [6, 1],
    [1, 1],
  ])('factors a random %i × %i matrix into orthonormal q and upper-triangular r', (rows, cols) => {
    checkedQr(randomMatrix(rows, cols, rows * 100 + cols), rows, cols);
  });

  // past the rank of a rank-deficient product, both sides reflect rounding noise: the fixture
  // says how many leading columns of q (rows of r) are determined
  it.each(torchCases().map((c) => [c.name, c] as const))('gives the same q and r as torch.linalg.qr for %s', (_, c) => {
    const { q, r, k } = checkedQr(Float64Array.from(c.a), c.rows, c.cols);
    const d = c.qrDetermined;
    let worst = 0;
    for (let i = 0; i < c.rows; i++) {
      for (let j = 0; j < d; j++) worst = Math.max(worst, Math.abs(q[i * k + j] - c.q[i * k + j]));
    }
    for (let i = 0; i < d * c.cols; i++) worst = Math.max(worst, Math.abs(r[i] - c.r[i]));
    expect(worst).toBeLessThan(1e-12);
  });

  it('makes the diagonal of r the opposite sign of the pivot, as LAPACK does', () => {
    const { q, r } = qr(new Float64Array([3, 1, 4, 2]), 2, 2);
    expect(r[0]).toBeCloseTo(-5, 15);
    expect(q[0]).toBeCloseTo(-0.6, 15);
    expect(q[2]).toBeCloseTo(-0.8, 15);
  });

  it('leaves a column that is already zero below its diagonal alone, negative diagonal included', () => {
    const a = new Float64Array([-2, 1, 0, 3]);
    const { q, r } = qr(a, 2, 2);
    expect(Array.from(q)).toEqual([1, 0, 0, 1]);
    expect(Array.from(r)).toEqual([-2, 1, 0, 3]);
  });

  it('keeps q orthonormal for a rank-deficient matrix', () => {
    const a = new Float64Array([1, 2, 3, 2, 4, 6, 3, 6, 9, 1, 1, 1]); // 4 × 3, rank 2
    checkedQr(a, 4, 3);
  });

  it('returns identity columns and a zero r for the zero matrix', () => {
    const { q, r } = checkedQr(new Float64Array(6), 3, 2);
    expect(Array.from(q)).toEqual([1, 0, 0, 1, 0, 0]);
    expect(maxAbs(r)).toBe(0);
  });

  it('is not thrown off by very large or very small entries', () => {
    for (const scale of [1e200, 1e-200]) {
      const a = randomMatrix(5, 3, 11).map((x) => x * scale);
      const { q, r } = qr(a, 5, 3);
      expect(maxAbs(subtract(matmul(q, r, 5, 3, 3), a)) / scale).toBeLessThan(1e-14);
      expect(orthonormalityError(q, 5, 3)).toBeLessThan(1e-14);
    }
  });

  it('rejects a length that does not match rows × cols, naming what came', () => {
    expect(() => qr(new Float64Array(5), 2, 3)).toThrow(ArgumentError);
    expect(() => qr(new Float64Array(5), 2, 3)).toThrow('qr: expected 6 entries (2 × 3), got 5');
  });

  it('rejects sizes that are not non-negative integers', () => {
    expect(() => qr(new Float64Array(6), 2.5, 3)).toThrow('qr: expected rows to be a non-negative integer, got 2.5');
    expect(() => qr(new Float64Array(6), 2, -3)).toThrow(ArgumentError);
  });

  it('rejects non-finite entries, naming where', () => {
    expect(() => qr(new Float64Array([1, NaN, 0, 1]), 2, 2)).toThrow('qr: expected finite entries, got NaN at [0, 1]');
  });
});
