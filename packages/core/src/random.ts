import { ArgumentError } from './errors.js';
import { hash32 } from './kernels/random-hash.js';

/**
 * A seeded, counter-based random number generator. Each draw consumes a block of counters, and the
 * value at counter c is `hash32(seed, c)`, so the numbers do not depend on the backend, and the
 * state is two integers (easy to checkpoint and restore bit-exactly).
 *
 * @example
 * ```ts
 * const g = new Generator(42);
 * const w = randn([4, 4], { generator: g });
 * const state = g.state(); // { seed: 42, counter: 32 }
 * ```
 */
export class Generator {
  private seedValue: number;
  private counter = 0;

  constructor(seed = 0) {
    this.seedValue = checkSeed(seed);
  }

  /** The seed this generator started from. */
  get seed(): number {
    return this.seedValue;
  }

  /** Restarts the stream from a seed. @example `g.manualSeed(0)` */
  manualSeed(seed: number): this {
    this.seedValue = checkSeed(seed);
    this.counter = 0;
    return this;
  }

  /** The full state, for checkpoints. @example `const s = g.state();` */
  state(): { seed: number; counter: number } {
    return { seed: this.seedValue, counter: this.counter };
  }

  /** Restores a state from {@link Generator.state}. @example `g.setState(s)` */
  setState(state: { seed: number; counter: number }): this {
    this.seedValue = checkSeed(state.seed);
    if (!Number.isSafeInteger(state.counter) || state.counter < 0) {
      throw new ArgumentError(`Generator.setState: expected a non-negative integer counter, got ${state.counter}`);
    }
    this.counter = state.counter;
    return this;
  }

  /** Reserves `n` counters and returns the first. @example `const base = g.reserve(10);` */
  reserve(n: number): number {
    const start = this.counter;
    this.counter += n;
    return start;
  }

  /** A fresh 32-bit seed for a kernel that draws its own bits (dropout). @example `const s = g.nextSeed();` */
  nextSeed(): number {
    return hash32(this.seedValue, this.reserve(1) % 2 ** 32);
  }

  /** n uniform floats in [0, 1) with 24 random bits each. @example `g.uniform(3)` */
  uniform(n: number): Float64Array {
    const base = this.reserve(n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (hash32(this.seedValue, (base + i) % 2 ** 32) >>> 8) / 16777216;
    return out;
  }

  /** n standard normal samples (Box–Muller over two counters each). @example `g.normal(3)` */
  normal(n: number): Float64Array {
    const base = this.reserve(2 * n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const c = base + 2 * i;
      const u1 = ((hash32(this.seedValue, c % 2 ** 32) >>> 8) + 1) / 16777216; // (0, 1]
      const u2 = (hash32(this.seedValue, (c + 1) % 2 ** 32) >>> 8) / 16777216;
      out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    return out;
  }
}

function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ArgumentError(`Generator: expected a seed that is an integer in [0, 2^32), got ${seed}`);
  }
  return seed;
}

const globalGenerator = new Generator(0);

/**
 * The generator random ops use when none is given.
 *
 * @example
 * ```ts
 * defaultGenerator().manualSeed(1234);
 * ```
 */
export function defaultGenerator(): Generator {
  return globalGenerator;
}

/**
 * Seeds the default generator (like `torch.manual_seed`).
 *
 * @example
 * ```ts
 * manualSeed(42);
 * const a = randn([2]); manualSeed(42); const b = randn([2]); // same numbers
 * ```
 */
export function manualSeed(seed: number): void {
  globalGenerator.manualSeed(seed);
}
