/**
 * A counter-based random hash: the value for (seed, index) is a pure function of both, so a tensor of
 * random numbers, or a dropout mask, is the same on every backend and in every order of evaluation.
 * The mixer is a 32-bit integer finaliser (xor-shift / multiply rounds); JavaScript and WGSL compute
 * it bit for bit alike.
 *
 * @example
 * ```ts
 * hash32(42, 0) === hash32(42, 0); // true, on any backend
 * ```
 */
export function hash32(seed: number, index: number): number {
  return mix32((mix32((index ^ mix32(seed >>> 0)) >>> 0) + (seed >>> 0)) >>> 0);
}

/** One round of the 32-bit mixer. @example `mix32(1)` */
export function mix32(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The integer threshold below which an element is dropped: keep when `(hash >>> 8) >= threshold`.
 * Working in 24-bit integers keeps the mask identical on CPU and GPU.
 *
 * @example
 * ```ts
 * dropoutThreshold(0.5); // 8388608
 * ```
 */
export function dropoutThreshold(p: number): number {
  return Math.min(1 << 24, Math.round(p * (1 << 24)));
}

/**
 * Whether dropout keeps element `index` for this seed and probability.
 *
 * @example
 * ```ts
 * dropoutKeep(7, 0, 0.1);
 * ```
 */
export function dropoutKeep(seed: number, index: number, p: number): boolean {
  return hash32(seed, index) >>> 8 >= dropoutThreshold(p);
}

/** WGSL twin of {@link mix32} and {@link hash32}, pasted into kernels that need random bits. @example `const src = WGSL_HASH + body;` */
export const WGSL_HASH = /* wgsl */ `
fn mix32(v: u32) -> u32 {
  var x = v;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  x = x ^ (x >> 16u);
  return x;
}
fn hash32(seed: u32, index: u32) -> u32 {
  return mix32(mix32(index ^ mix32(seed)) + seed);
}
`;
