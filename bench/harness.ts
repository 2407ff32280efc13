/**
 * The benchmark protocol. A benchmark is one `bench/<name>.bench.ts` file whose default export is a
 * {@link Bench}: the runner finds it, runs it once per backend and prints what it yields.
 */
import type { Backend } from '../packages/core/src/index.js';

/** A backend under test, with the device it runs on. */
export interface BenchTarget {
  /** `cpu` or `webgpu`. */
  readonly name: string;
  /** The device: the WebGPU adapter's description, or the CPU model. */
  readonly adapter: string;
  readonly backend: Backend;
}

/** Run-wide settings. */
export interface BenchContext {
  /** `--quick`: smaller budgets and sizes, for a smoke run. */
  readonly quick: boolean;
}

/** One measurement: plain numbers and short strings (the runner adds `bench`, `backend`, `adapter`). */
export type Metrics = Record<string, number | string>;

/** A benchmark. */
export interface Bench {
  /** The `bench` field of its rows, e.g. `matmul`. */
  readonly name: string;
  /** One line for the table heading. */
  readonly description: string;
  /** Yields one row of metrics per measured case. */
  run(target: BenchTarget, ctx: BenchContext): AsyncIterable<Metrics>;
}

/** Identity helper that types a benchmark definition. */
export function defineBench(bench: Bench): Bench {
  return bench;
}

/** What {@link measure} found. */
export interface Timing {
  /** Milliseconds per repetition (the mean over the timed repetitions). */
  readonly ms: number;
  /** Timed repetitions. */
  readonly reps: number;
}

/**
 * Times `runOnce(reps)`, an async function that enqueues `reps` repetitions of the work and waits for
 * them. An untimed warm-up (pipeline compilation, JIT) comes first, then one timed repetition that
 * sizes the run to `budgetMs`: when more than one repetition fits, that many (within `minReps` and
 * `maxReps`) are timed together; otherwise the single repetition is the measurement.
 */
export async function measure(
  runOnce: (reps: number) => Promise<void>,
  { budgetMs, minReps = 1, maxReps = 100 }: { budgetMs: number; minReps?: number; maxReps?: number },
): Promise<Timing> {
  await runOnce(1);
  const c0 = performance.now();
  await runOnce(1);
  const oneMs = performance.now() - c0;
  const reps = Math.max(minReps, Math.min(maxReps, Math.floor(budgetMs / Math.max(oneMs, 1e-3))));
  if (reps <= 1) return { ms: oneMs, reps: 1 };
  const t0 = performance.now();
  await runOnce(reps);
  return { ms: (performance.now() - t0) / reps, reps };
}

/** Rounds to three significant digits, for rows that read well as JSON. */
export function sig3(x: number): number {
  return Number(x.toPrecision(3));
}
