import { ArgumentError, Generator } from '@peft/core';

/**
 * How the next token is picked from a row of logits: greedy (the largest logit), or sampled after
 * temperature, top-k and top-p (nucleus) filtering, in that order, as transformers applies them.
 *
 * @example
 * ```ts
 * const opts: SamplingOptions = { doSample: true, temperature: 0.8, topK: 50, topP: 0.95, seed: 1 };
 * ```
 */
export interface SamplingOptions {
  /** Sample instead of taking the largest logit (default false). */
  doSample?: boolean;
  /** Divides the logits before sampling (default 1; must be > 0). */
  temperature?: number;
  /** Keep only the k largest logits (0 or absent: all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 or absent: all). */
  topP?: number;
  /** Seed of the sampler, so a run can be repeated exactly (default 0). */
  seed?: number;
}

/**
 * Picks tokens from logits rows on the host with a seeded generator (one uniform draw per row and
 * step, so results repeat exactly for a seed).
 *
 * @example
 * ```ts
 * const sampler = new TokenSampler({ doSample: true, topK: 40, seed: 7 });
 * const id = sampler.pick(logitsRow);
 * ```
 */
export class TokenSampler {
  private readonly generator: Generator;
  private readonly opts: Required<Omit<SamplingOptions, 'seed'>>;

  constructor(opts: SamplingOptions = {}) {
    const temperature = opts.temperature ?? 1;
    const topK = opts.topK ?? 0;
    const topP = opts.topP ?? 1;
    if (!(temperature > 0) || !Number.isFinite(temperature)) throw new ArgumentError(`generate: expected temperature > 0, got ${temperature}`);
    if (!Number.isInteger(topK) || topK < 0) throw new ArgumentError(`generate: expected topK to be a non-negative integer, got ${topK}`);
    if (!(topP > 0 && topP <= 1)) throw new ArgumentError(`generate: expected topP in (0, 1], got ${topP}`);
    this.opts = { doSample: opts.doSample ?? false, temperature, topK, topP };
    this.generator = new Generator(opts.seed ?? 0);
  }

  /** Whether tokens are drawn at random (false: greedy). @example `sampler.sampling` */
  get sampling(): boolean {
    return this.opts.doSample;
  }

  /** The next token for one row of logits. @example `sampler.pick(new Float32Array([0.1, 2, -1]))` // 1 when greedy */
  pick(logits: ArrayLike<number>): number {
    if (!this.opts.doSample) return argmaxOf(logits);
    const probs = this.distribution(logits);
    const u = this.generator.uniform(1)[0];
    let acc = 0;
    let last = -1;
    for (let i = 0; i < probs.length; i++) {
      if (probs[i] === 0) continue;
      acc += probs[i];
      last = i;
      if (u < acc) return i;
    }
    return last; // rounding left u just above the total
  }

  /** The filtered, normalised probabilities the sampler draws from. @example `sampler.distribution(row)` */
  distribution(logits: ArrayLike<number>): Float64Array {
    const n = logits.length;
    const scaled = new Float64Array(n);
    for (let i = 0; i < n; i++) scaled[i] = logits[i] / this.opts.temperature;
    const { topK, topP } = this.opts;
    if (topK > 0 && topK < n) {
      const kth = [...scaled].sort((a, b) => b - a)[topK - 1];
      for (let i = 0; i < n; i++) if (scaled[i] < kth) scaled[i] = -Infinity;
    }
    const probs = softmax64(scaled);
    if (topP < 1) {
      // drop the least likely tokens whose cumulative mass (from the bottom) stays within 1 - p
      const order = [...probs.keys()].sort((a, b) => probs[a] - probs[b]);
      let low = 0;
      for (let j = 0; j < order.length - 1; j++) {
        low += probs[order[j]];
        if (low > 1 - topP) break;
        probs[order[j]] = 0;
      }
      const total = probs.reduce((a, b) => a + b, 0);
      for (let i = 0; i < n; i++) probs[i] /= total;
    }
    return probs;
  }
}

/** Index of the largest value (the first one on ties; NaN never wins). @example `argmaxOf([1, 3, 3])` // 1 */
export function argmaxOf(values: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] > bestValue || best < 0) {
      if (Number.isNaN(values[i])) continue;
      best = i;
      bestValue = values[i];
    }
  }
  return Math.max(best, 0);
}

function softmax64(x: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  const out = new Float64Array(x.length);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    out[i] = x[i] === -Infinity ? 0 : Math.exp(x[i] - max);
    total += out[i];
  }
  for (let i = 0; i < x.length; i++) out[i] /= total;
  return out;
}
