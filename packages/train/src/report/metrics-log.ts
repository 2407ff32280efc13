import { ArgumentError, FileFormatError } from '@peft/core';
import { validateShape } from '@peft/core/plugin';
import { METRICS_ENTRY_SCHEMA } from './metrics-entry-schema.js';

/**
 * A value a metrics entry may hold: JSON's values. Numbers that are not finite are written as
 * `null` (see {@link serializeMetrics}); `undefined` fields are left out.
 *
 * @example
 * ```ts
 * const v: MetricsValue = { loss: 2.3, lr: [1e-3, 1e-4] };
 * ```
 */
export type MetricsValue = number | string | boolean | null | undefined | readonly MetricsValue[] | { readonly [key: string]: MetricsValue };

/**
 * One line of `metrics.jsonl`: the optimizer step it belongs to and any named values (Hugging Face
 * names: `loss`, `learning_rate`, `grad_norm`, `eval_loss`, `epoch`, …).
 *
 * @example
 * ```ts
 * const e: MetricsEntry = { step: 10, loss: 2.31, learning_rate: 1e-3, epoch: 0.1 };
 * ```
 */
export interface MetricsEntry {
  step: number;
  [key: string]: MetricsValue;
}

/**
 * Where the log lives. Node code uses `metricsFileStore(outputDir)` (from `metrics-file-store.ts`);
 * browsers and tests use {@link memoryMetricsStore} or their own (IndexedDB, OPFS). Methods may be
 * synchronous or return promises.
 *
 * @example
 * ```ts
 * const store: MetricsStore = { read: () => undefined, append: (t) => void sent.push(t), replace: () => undefined };
 * ```
 */
export interface MetricsStore {
  /** The whole current content, or `undefined` when there is none yet. */
  read(): string | undefined | Promise<string | undefined>;
  /** Adds `text` (whole lines) at the end in one write. */
  append(text: string): void | Promise<void>;
  /** Replaces the whole content, all or nothing (written aside, then renamed, for files). */
  replace(text: string): void | Promise<void>;
  /** Releases what the store holds open (a file handle). */
  close?(): void | Promise<void>;
}

/**
 * An in-memory {@link MetricsStore} for browsers and tests; `text` is the content so far.
 *
 * @example
 * ```ts
 * const store = memoryMetricsStore();
 * const log = await MetricsLog.open(store);
 * await log.log({ step: 1, loss: 2.5 });
 * store.text; // '{"step":1,"loss":2.5}\n'
 * ```
 */
export function memoryMetricsStore(initial?: string): MetricsStore & { readonly text: string } {
  let text = initial;
  return {
    get text() {
      return text ?? '';
    },
    read: () => text,
    append: (more) => {
      text = (text ?? '') + more;
    },
    replace: (all) => {
      text = all;
    },
  };
}

function checkStep(step: unknown, what: string): void {
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
    throw new ArgumentError(`${what}: step must be an integer >= 0, got ${JSON.stringify(step) ?? String(step)}`);
  }
}

/**
 * One entry as a single JSON line, without the newline: `step` first, then the other fields in
 * their order. The number rule: JSON has no NaN or infinities, so a NaN, `Infinity` or `-Infinity`
 * anywhere in the entry is written as `null` (a reader sees "no value": a diverged loss shows as a
 * gap, never as a number); `-0` is written as `0`; `undefined` fields are left out. Throws an
 * `ArgumentError` for a missing or bad `step`, or a value JSON cannot hold (a bigint).
 *
 * @example
 * ```ts
 * serializeMetrics({ step: 3, loss: Number.NaN, lr: 1e-3 }); // '{"step":3,"loss":null,"lr":0.001}'
 * ```
 */
export function serializeMetrics(entry: MetricsEntry): string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ArgumentError(`MetricsLog: expected an entry object with a step, got ${JSON.stringify(entry) ?? String(entry)}`);
  }
  checkStep(entry.step, 'MetricsLog');
  const { step, ...rest } = entry;
  try {
    return JSON.stringify({ step, ...rest }, (_key, value: unknown) =>
      typeof value === 'number' && !Number.isFinite(value) ? null : value,
    );
  } catch (e) {
    throw new ArgumentError(`MetricsLog: entry for step ${step} holds a value JSON cannot write (${(e as Error).message})`);
  }
}

/**
 * Reads `metrics.jsonl` text back into entries. Blank lines are skipped, and so is a last line
 * without its newline (what a crash mid-write leaves); any other line that is not a JSON object
 * with an integer `step` is a `FileFormatError` naming its line number.
 *
 * @example
 * ```ts
 * parseMetricsJsonl('{"step":1,"loss":2}\n{"step":2,"lo'); // [{ step: 1, loss: 2 }]
 * ```
 */
export function parseMetricsJsonl(text: string): MetricsEntry[] {
  const lines = text.split('\n');
  // the piece after the last newline is either '' or a line cut short
  lines.pop();
  const entries: MetricsEntry[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new FileFormatError(`metrics.jsonl: line ${i + 1} is not JSON: ${line.slice(0, 80)}`);
    }
    entries.push(validateShape(METRICS_ENTRY_SCHEMA, value, { file: `metrics.jsonl: line ${i + 1}` }));
  });
  return entries;
}

/**
 * How {@link MetricsLog.open} treats what the store already holds.
 *
 * @example
 * ```ts
 * const opts: MetricsLogOpenOptions = { resumeFromStep: 200 };
 * ```
 */
export interface MetricsLogOpenOptions {
  /**
   * Resuming from a checkpoint at this step: entries of later steps (logged after the checkpoint by
   * the run that stopped) are removed, so the resumed run writes them once.
   */
  resumeFromStep?: number;
  /** Start empty, dropping all earlier entries (a fresh run in a used output directory). */
  overwrite?: boolean;
}

/**
 * The metrics log of a run: one JSON object per line (`metrics.jsonl` in the output directory),
 * each line appended whole in a single write so a crash never leaves half a line behind. Writes
 * happen in call order; `log` returns when its line is written. `entries` holds everything in the
 * log, as written (with the null rule of {@link serializeMetrics}).
 *
 * @example
 * ```ts
 * const log = await MetricsLog.open(metricsFileStore(outputDir), { resumeFromStep: checkpointStep });
 * await log.log({ step: 10, loss: 2.31, learning_rate: 1e-3 });
 * await log.close();
 * ```
 */
export class MetricsLog {
  private readonly store: MetricsStore;
  private readonly kept: MetricsEntry[];
  private queue: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  private constructor(store: MetricsStore, entries: MetricsEntry[]) {
    this.store = store;
    this.kept = entries;
  }

  /**
   * Opens a log on `store`, keeping what it holds (dropping a line cut short by a crash), or only
   * entries up to `resumeFromStep`, or nothing with `overwrite`.
   *
   * @example
   * ```ts
   * const log = await MetricsLog.open(memoryMetricsStore('{"step":1}\n{"step":2}\n'), { resumeFromStep: 1 });
   * log.entries; // [{ step: 1 }]
   * ```
   */
  static async open(store: MetricsStore, options: MetricsLogOpenOptions = {}): Promise<MetricsLog> {
    const { resumeFromStep, overwrite = false } = options;
    if (resumeFromStep !== undefined) checkStep(resumeFromStep, 'MetricsLog.open: resumeFromStep');
    if (overwrite && resumeFromStep !== undefined) {
      throw new ArgumentError(`MetricsLog.open: expected either overwrite or resumeFromStep, got both (resumeFromStep ${resumeFromStep})`);
    }
    const text = overwrite ? undefined : await store.read();
    if (text === undefined || text === '') {
      if (overwrite) await store.replace('');
      return new MetricsLog(store, []);
    }
    const all = parseMetricsJsonl(text);
    const kept = resumeFromStep === undefined ? all : all.filter((e) => e.step <= resumeFromStep);
    if (kept.length !== all.length || !text.endsWith('\n')) {
      await store.replace(kept.map((e) => `${serializeMetrics(e)}\n`).join(''));
    }
    return new MetricsLog(store, kept);
  }

  /** Everything in the log so far, oldest first. @example `log.entries.filter((e) => 'eval_loss' in e)` */
  get entries(): readonly MetricsEntry[] {
    return this.kept;
  }

  /**
   * Appends one entry as one line; resolves once it is written. The entry is checked and
   * serialized at once (an `ArgumentError` throws here); a failed write rejects this call and every
   * later one.
   *
   * @example
   * ```ts
   * await log.log({ step: 20, eval_loss: 2.01 });
   * ```
   */
  log(entry: MetricsEntry): Promise<void> {
    if (this.closed) throw new ArgumentError(`MetricsLog.log: the log is closed, got an entry for step ${String(entry?.step)}`);
    const line = `${serializeMetrics(entry)}\n`;
    this.kept.push(JSON.parse(line) as MetricsEntry);
    const write = this.queue.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        await this.store.append(line);
      } catch (e) {
        this.failure = e instanceof Error ? e : new Error(String(e));
        throw this.failure;
      }
    });
    this.queue = write.catch(() => undefined);
    return write;
  }

  /**
   * Resolves when every line logged so far is written; rejects with the first write error.
   *
   * @example
   * ```ts
   * await log.flush();
   * ```
   */
  async flush(): Promise<void> {
    await this.queue;
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Flushes and releases the store; later `log` calls throw.
   *
   * @example
   * ```ts
   * await log.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.store.close?.();
    }
  }
}
