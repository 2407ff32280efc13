import { describe, expect, it } from 'vitest';
import { factorization, lokrLayout } from './factorization.js';

/** [dimension, factor, m, n] as computed by PEFT 0.21's `peft.tuners.lokr.layer.factorization`. */
const PEFT_FACTORIZATION = [
  [256, -1, 16, 16], [128, -1, 8, 16], [127, -1, 1, 127], [128, 4, 4, 32], [32, -1, 4, 8], [16, -1, 4, 4], [768, -1, 24, 32],
  [3072, -1, 48, 64], [96, -1, 8, 12], [100, -1, 10, 10], [64, 8, 8, 8], [64, 3, 2, 32], [36, -1, 6, 6], [1, -1, 1, 1], [2, -1, 1, 2],
  [12, 5, 3, 4], [4096, 16, 16, 256], [768, 0, 1, 768], [50, -3, 1, 50], [1024, -1, 32, 32], [11008, -1, 86, 128], [4096, -1, 64, 64],
  [30, 7, 5, 6], [30, 6, 6, 5], [48, 2, 2, 24],
] as const;

/** [out, in, r, decompose_factor, decompose_both] → the parameter shapes PEFT 0.21 creates on an nn.Linear. */
const PEFT_SHAPES: [[number, number, number, number, boolean], Record<string, number[]>][] = [
  [[32, 32, 4, -1, false], { lokr_w1: [4, 4], lokr_w2: [8, 8] }],
  [[16, 32, 4, -1, false], { lokr_w1: [4, 4], lokr_w2: [4, 8] }],
  [[768, 768, 8, -1, false], { lokr_w1: [24, 24], lokr_w2_a: [32, 8], lokr_w2_b: [8, 32] }],
  [[768, 768, 8, -1, true], { lokr_w1_a: [24, 8], lokr_w1_b: [8, 24], lokr_w2_a: [32, 8], lokr_w2_b: [8, 32] }],
  [[3072, 768, 16, -1, true], { lokr_w1_a: [48, 16], lokr_w1_b: [16, 24], lokr_w2_a: [64, 16], lokr_w2_b: [16, 32] }],
  [[64, 64, 1, -1, true], { lokr_w1_a: [8, 1], lokr_w1_b: [1, 8], lokr_w2_a: [8, 1], lokr_w2_b: [1, 8] }],
  [[64, 64, 8, 8, false], { lokr_w1: [8, 8], lokr_w2: [8, 8] }],
  [[4096, 4096, 8, 16, true], { lokr_w1: [16, 16], lokr_w2_a: [256, 8], lokr_w2_b: [8, 256] }],
  [[100, 30, 2, -1, true], { lokr_w1_a: [10, 2], lokr_w1_b: [2, 5], lokr_w2_a: [10, 2], lokr_w2_b: [2, 6] }],
  [[96, 32, 40, -1, true], { lokr_w1: [8, 4], lokr_w2: [12, 8] }],
];

function shapesOf([out, inp, r, factor, both]: [number, number, number, number, boolean]): Record<string, number[]> {
  const l = lokrLayout(out, inp, r, factor, both);
  const [[a, c], [b, d]] = [l.w1, l.w2];
  return {
    ...(l.fullW1 ? { lokr_w1: [a, c] } : { lokr_w1_a: [a, r], lokr_w1_b: [r, c] }),
    ...(l.fullW2 ? { lokr_w2: [b, d] } : { lokr_w2_a: [b, r], lokr_w2_b: [r, d] }),
  };
}

describe("LoKr's factorisation rule", () => {
  it.each(PEFT_FACTORIZATION)('splits %i with factor %i into %i × %i, as PEFT does', (dim, factor, m, n) => {
    expect(factorization(dim, factor)).toEqual([m, n]);
  });

  it('always returns two factors whose product is the dimension, the smaller first unless a dividing factor is given', () => {
    for (let dim = 1; dim <= 300; dim++) {
      for (const factor of [-1, 2, 3, 5, 8, 16]) {
        const [m, n] = factorization(dim, factor);
        expect(m * n).toBe(dim);
        if (!(factor > 0 && dim % factor === 0)) expect(m).toBeLessThanOrEqual(n);
      }
    }
  });

  it.each(PEFT_SHAPES)('lays out %j with the parameter shapes PEFT creates', (args, shapes) => {
    expect(shapesOf(args)).toEqual(shapes);
  });
});
