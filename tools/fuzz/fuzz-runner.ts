import { PeftError } from '../../packages/core/src/index.js';
import { type FuzzRandom, fuzzRandom } from './fuzz-random.js';

/** One generated input: its size in bytes and the load to try. @example `{ bytes: 120, run: () => loadIt(bytes) }` */
export interface FuzzInput {
  /** How the input was made (`mutated`, `random`, …), for the report. */
  readonly kind: string;
  /** Total size of the file(s) the input consists of. */
  readonly bytes: number;
  /** Loads the input through the public loader; resolves when loaded (results disposed), rejects when refused. */
  run(): Promise<void>;
}

/**
 * A loader under test: `prepare` reads its seed files once and returns the input generator.
 *
 * @example
 * ```ts
 * const target: FuzzTarget = { name: 'x', description: '…', prepare: async () => (r) => ({ kind: 'random', bytes: 1, run: async () => {} }) };
 * ```
 */
export interface FuzzTarget {
  readonly name: string;
  readonly description: string;
  /** Whether some inputs should load (the default) or none can yet (inputs for a format not supported today). */
  readonly someLoad?: boolean;
  prepare(): Promise<(r: FuzzRandom, index: number) => FuzzInput>;
}

/** What happened to one input. @example `{ index: 3, outcome: 'FileFormatError', … }` */
export interface FuzzOutcome {
  readonly index: number;
  /** `loaded`, the PeftError class name (`FileFormatError`, …), `crash` or `hang`. */
  readonly outcome: string;
  /** For crashes and hangs: the error, with the input kind. */
  readonly detail?: string;
  readonly milliseconds: number;
  readonly inputBytes: number;
  /** Growth of `process.memoryUsage().arrayBuffers` across the load (a lower bound of what it allocated). */
  readonly arrayBufferGrowth: number;
}

/** Per-target figures. @example `report.outcomes.loaded` */
export interface FuzzTargetReport {
  readonly target: string;
  readonly tried: number;
  readonly outcomes: Record<string, number>;
  readonly crashes: number;
  readonly hangs: number;
  /** Inputs whose array-buffer growth passed {@link allocationBudget}. */
  readonly oversized: number;
  /** The first few crashes, hangs and oversized inputs, to reproduce with `--seed`/`--only`. */
  readonly examples: string[];
  readonly slowestMs: number;
  readonly largestGrowthBytes: number;
}

/** The allocation an input of `bytes` may cause: 64 MiB of slack (the loaders' fixed buffers, GC lag) plus 16 bytes per input byte. @example `allocationBudget(1000)` */
export function allocationBudget(bytes: number): number {
  return 64 * 2 ** 20 + 16 * bytes;
}

/** The generator seed of input `index` of `target` under `seed`: every input is reproducible on its own. @example `inputSeed(1, 'adapter', 7)` */
export function inputSeed(seed: number, target: string, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of `${target}#${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/**
 * Runs one input under a deadline and classifies it. A promise still pending after `deadlineMs` is a
 * hang; an exception that is not a {@link PeftError} is a crash.
 *
 * @example
 * ```ts
 * const o = await runFuzzInput(generate, 'safetensors', 1, 0, 2000);
 * ```
 */
export async function runFuzzInput(generate: (r: FuzzRandom, index: number) => FuzzInput, target: string, seed: number, index: number, deadlineMs: number): Promise<FuzzOutcome> {
  const input = generate(fuzzRandom(inputSeed(seed, target, index)), index);
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), deadlineMs);
  });
  let outcome: string;
  let detail: string | undefined;
  // a promise the loader dropped that rejects later would kill the process: it is this input's crash
  const stray: unknown[] = [];
  const onStray = (e: unknown): void => void stray.push(e);
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  try {
    const r = await Promise.race([input.run().then(() => 'loaded' as const), deadline]);
    outcome = r;
    detail = r === 'hang' ? `${input.kind}: no result within ${deadlineMs} ms` : input.kind;
  } catch (e) {
    if (e instanceof PeftError) outcome = e.name;
    else {
      outcome = 'crash';
      detail = `${input.kind}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e)}`;
    }
  } finally {
    clearTimeout(timer);
  }
  await new Promise((resolve) => setImmediate(resolve));
  process.off('unhandledRejection', onStray);
  process.off('uncaughtException', onStray);
  if (stray.length && outcome !== 'hang') {
    const e = stray[0];
    outcome = 'crash';
    detail = `${input.kind}: unhandled rejection ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e)}`;
  }
  const milliseconds = performance.now() - t0;
  const arrayBufferGrowth = Math.max(0, process.memoryUsage().arrayBuffers - before);
  return { index, outcome, detail, milliseconds, inputBytes: input.bytes, arrayBufferGrowth };
}

/**
 * Collects outcomes into a {@link FuzzTargetReport}.
 *
 * @example
 * ```ts
 * const report = summarizeOutcomes('adapter', outcomes);
 * ```
 */
export function summarizeOutcomes(target: string, outcomes: readonly FuzzOutcome[]): FuzzTargetReport {
  const counts: Record<string, number> = {};
  const examples: string[] = [];
  let oversized = 0;
  let slowestMs = 0;
  let largestGrowthBytes = 0;
  for (const o of outcomes) {
    counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
    const over = o.arrayBufferGrowth > allocationBudget(o.inputBytes);
    if (over) oversized++;
    if ((o.outcome === 'crash' || o.outcome === 'hang' || over) && examples.length < 5) {
      examples.push(`#${o.index} ${o.outcome}${over ? ` (grew array buffers by ${o.arrayBufferGrowth} bytes for a ${o.inputBytes}-byte input)` : ''}: ${o.detail ?? ''}`);
    }
    slowestMs = Math.max(slowestMs, o.milliseconds);
    largestGrowthBytes = Math.max(largestGrowthBytes, o.arrayBufferGrowth);
  }
  return {
    target,
    tried: outcomes.length,
    outcomes: counts,
    crashes: counts.crash ?? 0,
    hangs: counts.hang ?? 0,
    oversized,
    examples,
    slowestMs: Math.round(slowestMs),
    largestGrowthBytes,
  };
}

/**
 * Runs inputs `start … start+count-1` of one target in this process.
 *
 * @example
 * ```ts
 * const report = await runFuzzTarget(safetensorsTarget, { seed: 1, count: 100 });
 * ```
 */
export async function runFuzzTarget(
  target: FuzzTarget,
  opts: { seed: number; count: number; start?: number; deadlineMs?: number; onOutcome?: (o: FuzzOutcome) => void },
): Promise<FuzzTargetReport> {
  const generate = await target.prepare();
  const outcomes: FuzzOutcome[] = [];
  const start = opts.start ?? 0;
  for (let i = start; i < start + opts.count; i++) {
    const o = await runFuzzInput(generate, target.name, opts.seed, i, opts.deadlineMs ?? 2000);
    outcomes.push(o);
    opts.onOutcome?.(o);
  }
  return summarizeOutcomes(target.name, outcomes);
}
