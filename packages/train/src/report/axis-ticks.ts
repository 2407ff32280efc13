/**
 * Evenly spaced "round" tick values for a chart axis, and the axis range they span.
 *
 * @example
 * ```ts
 * const t: AxisTicks = { min: 0, max: 3, step: 0.5, values: [0, 0.5, 1, 1.5, 2, 2.5, 3] };
 * ```
 */
export interface AxisTicks {
  /** The axis start: the first tick, at or below the data. */
  min: number;
  /** The axis end: the last tick, at or above the data. */
  max: number;
  /** The distance between ticks: 1, 2 or 5 times a power of ten. */
  step: number;
  values: number[];
}

/**
 * About `count` ticks covering [lo, hi] at a spacing of 1, 2 or 5 × 10^k (at least `minStep`, say 1
 * for step counts). An empty range is widened around its value first, so one point or a constant
 * series still gets an axis.
 *
 * @example
 * ```ts
 * niceTicks(0.13, 2.9, 6).values; // [0, 0.5, 1, 1.5, 2, 2.5, 3]
 * niceTicks(7, 7, 5, 1).values;   // [6, 7, 8]
 * ```
 */
export function niceTicks(lo: number, hi: number, count = 6, minStep = 0): AxisTicks {
  let a = Math.min(lo, hi);
  let b = Math.max(lo, hi);
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    a = 0;
    b = 1;
  }
  if (a === b) {
    const pad = a === 0 ? 1 : Math.abs(a) * 0.05;
    a -= Math.max(pad, minStep);
    b += Math.max(pad, minStep);
  }
  const raw = (b - a) / Math.max(1, count - 1);
  const step = Math.max(roundStep(raw), minStep);
  const first = Math.floor(a / step + 1e-9);
  const last = Math.ceil(b / step - 1e-9);
  const decimals = decimalsOf(step);
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(Number((i * step).toFixed(decimals)));
  return { min: values[0], max: values[values.length - 1], step, values };
}

/**
 * A tick value as a label with just the decimals its spacing needs (`0.5`, `1.0` next to `1.5`
 * becomes `1.0`); large or tiny magnitudes in exponent form.
 *
 * @example
 * ```ts
 * formatTick(1, 0.5); // '1.0'
 * formatTick(2000, 500); // '2000'
 * ```
 */
export function formatTick(value: number, step: number): string {
  if (value === 0) return '0';
  const mag = Math.abs(value);
  if (mag >= 1e6 || mag < 1e-4) return value.toExponential(2);
  return value.toFixed(decimalsOf(step));
}

/** The spacing of 1, 2 or 5 × 10^k nearest to `raw`. */
function roundStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  const nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * power;
}

/** Decimals needed to write multiples of `step` exactly (0 for steps of 1 or more). */
function decimalsOf(step: number): number {
  if (!(step > 0) || step >= 1) return 0;
  return Math.min(20, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
}
