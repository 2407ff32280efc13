import { ArgumentError } from '@peft/core';
import { type ProgressState, formatProgressBar, formatProgressLog } from './progress-format.js';

/**
 * Where progress goes: `process.stdout` / `process.stderr` fit as they are; tests and browsers pass
 * an object that collects the strings. `isTTY` picks the redrawn bar, `columns` its width (read at
 * every redraw, so a resized terminal is followed).
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const out: ProgressOutput = { write: (s) => lines.push(s) };
 * ```
 */
export interface ProgressOutput {
  write(s: string): void;
  isTTY?: boolean;
  columns?: number;
}

/**
 * How a {@link ProgressReporter} reports.
 *
 * @example
 * ```ts
 * const opts: ProgressOptions = { total: 500, logEverySteps: 50, logEverySeconds: 60 };
 * ```
 */
export interface ProgressOptions {
  /** Steps of the whole run; without it there is no bar, percentage or ETA. */
  total?: number;
  /** The word before the counter ('step'). */
  label?: string;
  /** The step a resumed run starts from (0); its earlier steps do not count towards speed. */
  startStep?: number;
  /** `auto` (default): a bar when the output is a TTY, log lines otherwise. */
  mode?: 'auto' | 'bar' | 'lines';
  /** Lines mode: a line whenever the step passes a multiple of this (10). */
  logEverySteps?: number;
  /** Lines mode: a line when this many seconds have passed since the last one (30), whatever the steps. */
  logEverySeconds?: number;
  /** Bar mode: redraw at most this often, in seconds (0.1); the last step is always drawn. */
  redrawEverySeconds?: number;
  /** Updates averaged for step time and tokens per second (20). */
  window?: number;
  /** A clock in milliseconds (`performance.now`), replaceable in tests. */
  now?: () => number;
}

/**
 * What an update carries besides the step: the loss and learning rate to show, and `tokens`
 * processed since the previous update (for tokens per second).
 *
 * @example
 * ```ts
 * const m: ProgressMetrics = { loss: 2.31, lr: 1e-3, tokens: 4096 };
 * ```
 */
export interface ProgressMetrics {
  loss?: number;
  lr?: number;
  tokens?: number;
}

interface Sample {
  ms: number;
  steps: number;
  tokens: number;
}

/**
 * Reports progress of long work. On a TTY it redraws one line in place
 * (`step 120/500 [=====>    ] 24% loss 2.314 lr 1.0e-3 1,234 tok/s ETA 3m12s`); elsewhere it writes
 * a plain line every `logEverySteps` steps or `logEverySeconds` seconds, whichever comes first. Step
 * time, ETA and tokens per second come from a moving average over the last `window` updates.
 *
 * @example
 * ```ts
 * const progress = new ProgressReporter(process.stderr, { total: 500 });
 * for (let step = 1; step <= 500; step++) progress.update(step, { loss, lr, tokens: 4096 });
 * progress.finish();
 * ```
 */
export class ProgressReporter {
  private readonly out: ProgressOutput;
  private readonly bar: boolean;
  private readonly total: number | undefined;
  private readonly label: string | undefined;
  private readonly everySteps: number;
  private readonly everyMs: number;
  private readonly redrawMs: number;
  private readonly window: number;
  private readonly now: () => number;
  private readonly startMs: number;
  private readonly samples: Sample[] = [];
  private lastStep: number;
  private lastMs: number;
  private lastMetrics: ProgressMetrics = {};
  /** The step and time last shown (a line written or the bar drawn). */
  private shownStep: number;
  private shownMs: number;
  private drawn = false;
  private finished = false;

  constructor(out: ProgressOutput, options: ProgressOptions = {}) {
    const positive = (name: string, v: number | undefined, fallback: number, integer: boolean): number => {
      const value = v ?? fallback;
      if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
        throw new ArgumentError(`ProgressReporter: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
      }
      return value;
    };
    const total = options.total;
    if (total !== undefined && !(Number.isInteger(total) && total >= 0)) {
      throw new ArgumentError(`ProgressReporter: total must be an integer >= 0, got ${total}`);
    }
    const startStep = options.startStep ?? 0;
    if (!(Number.isInteger(startStep) && startStep >= 0)) {
      throw new ArgumentError(`ProgressReporter: startStep must be an integer >= 0, got ${startStep}`);
    }
    this.out = out;
    const mode = options.mode ?? 'auto';
    this.bar = mode === 'bar' || (mode === 'auto' && out.isTTY === true);
    this.total = total;
    this.label = options.label;
    this.everySteps = positive('logEverySteps', options.logEverySteps, 10, true);
    this.everyMs = 1000 * positive('logEverySeconds', options.logEverySeconds, 30, false);
    const redraw = options.redrawEverySeconds ?? 0.1;
    if (!(redraw >= 0 && Number.isFinite(redraw))) {
      throw new ArgumentError(`ProgressReporter: redrawEverySeconds must be a number >= 0, got ${redraw}`);
    }
    this.redrawMs = 1000 * redraw;
    this.window = positive('window', options.window, 20, true);
    this.now = options.now ?? (() => performance.now());
    this.startMs = this.now();
    this.lastMs = this.startMs;
    this.lastStep = startStep;
    this.shownStep = startStep;
    // the bar draws on the first update; log lines wait for the first interval
    this.shownMs = this.bar ? Number.NEGATIVE_INFINITY : this.startMs;
  }

  /**
   * Records that `step` steps are done (counted from the start of the run, not from `startStep`) and
   * shows it when due. Steps never go backwards.
   *
   * @example
   * ```ts
   * progress.update(120, { loss: 2.314, lr: 1e-3, tokens: 4096 });
   * ```
   */
  update(step: number, metrics: ProgressMetrics = {}): void {
    if (this.finished) throw new ArgumentError(`ProgressReporter.update: called after finish(), got step ${step}`);
    if (!Number.isInteger(step) || step < this.lastStep) {
      throw new ArgumentError(`ProgressReporter.update: step must be an integer >= ${this.lastStep} (the last one), got ${step}`);
    }
    const t = this.now();
    if (step > this.lastStep) {
      this.samples.push({ ms: t - this.lastMs, steps: step - this.lastStep, tokens: metrics.tokens ?? 0 });
      if (this.samples.length > this.window) this.samples.shift();
      this.lastMs = t;
      this.lastStep = step;
    }
    this.lastMetrics = { ...this.lastMetrics, ...metrics };
    const last = this.total !== undefined && step >= this.total;
    if (this.bar) {
      if (last || t - this.shownMs >= this.redrawMs) this.draw(t);
    } else if (
      step > this.shownStep &&
      (Math.floor(step / this.everySteps) > Math.floor(this.shownStep / this.everySteps) || t - this.shownMs >= this.everyMs || last)
    ) {
      this.logLine(t);
    }
  }

  /**
   * Writes a line of its own (an evaluation result, a checkpoint saved), above the bar on a TTY.
   *
   * @example
   * ```ts
   * progress.message('eval loss 2.101 at step 200');
   * ```
   */
  message(text: string): void {
    if (this.bar && this.drawn && !this.finished) {
      this.out.write(`\r\x1b[K${text}\n`);
      this.draw(this.now());
    } else {
      this.out.write(`${text}\n`);
    }
  }

  /**
   * The current numbers: step, ETA and speed from the moving average.
   *
   * @example
   * ```ts
   * progress.state().etaSeconds; // 192.4
   * ```
   */
  state(at: number = this.now()): ProgressState {
    let ms = 0;
    let steps = 0;
    let tokens = 0;
    for (const s of this.samples) {
      ms += s.ms;
      steps += s.steps;
      tokens += s.tokens;
    }
    const secPerStep = steps > 0 ? ms / 1000 / steps : Number.NaN;
    const { loss, lr } = this.lastMetrics;
    const state: ProgressState = { step: this.lastStep, elapsedSeconds: (at - this.startMs) / 1000 };
    if (this.total !== undefined) {
      state.total = this.total;
      state.etaSeconds = Math.max(0, this.total - this.lastStep) * secPerStep;
    }
    if (this.label !== undefined) state.label = this.label;
    if (loss !== undefined) state.loss = loss;
    if (lr !== undefined) state.lr = lr;
    if (tokens > 0 && ms > 0) state.tokensPerSecond = tokens / (ms / 1000);
    return state;
  }

  /**
   * Shows the final state and ends the line (or writes the last log line if it was not written),
   * then `text` on a line of its own when given. Later calls do nothing.
   *
   * @example
   * ```ts
   * progress.finish('training done');
   * ```
   */
  finish(text?: string): void {
    if (this.finished) return;
    const t = this.now();
    if (this.bar) {
      if (this.samples.length > 0 || this.drawn) {
        this.draw(t);
        this.out.write('\n');
      }
    } else if (this.lastStep > this.shownStep) {
      this.logLine(t);
    }
    this.finished = true;
    if (text !== undefined) this.out.write(`${text}\n`);
  }

  private draw(t: number): void {
    this.out.write(`\r${formatProgressBar(this.state(t), this.out.columns)}\x1b[K`);
    this.drawn = true;
    this.shownMs = t;
    this.shownStep = this.lastStep;
  }

  private logLine(t: number): void {
    this.out.write(`${formatProgressLog(this.state(t))}\n`);
    this.shownMs = t;
    this.shownStep = this.lastStep;
  }
}
