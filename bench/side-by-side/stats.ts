/** Summaries of interleaved timings: min / median / max of times and of per-round ratios. */

/** Min, median and max of a sample. */
export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Min, median and max of a non-empty sample. */
export function spread(xs: readonly number[]): Spread {
  return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs) };
}

/**
 * Ratios of two peers measured in the same rounds: for each round, the median of `other`'s times over
 * the median of `ours`; so a ratio of 6 says we were six times faster in that round.
 */
export function roundRatios(other: readonly (readonly number[])[], ours: readonly (readonly number[])[]): number[] {
  const n = Math.min(other.length, ours.length);
  return Array.from({ length: n }, (_, i) => median(other[i]) / median(ours[i]));
}

/** Formats a number with three significant digits (integers above 1000 as they are). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1000 ? Math.round(x).toString() : Number(x.toPrecision(3)).toString();
}
