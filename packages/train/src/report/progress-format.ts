/**
 * A snapshot of training progress, as the formatting functions read it. Fields left out are left
 * out of the line.
 *
 * @example
 * ```ts
 * const s: ProgressState = { step: 120, total: 500, loss: 2.314, lr: 1e-3, tokensPerSecond: 1234, etaSeconds: 192 };
 * ```
 */
export interface ProgressState {
  /** Steps done so far. */
  step: number;
  /** Steps of the whole run; without it there is no bar, percentage or ETA. */
  total?: number;
  /** The word before the counter ('step'). */
  label?: string;
  loss?: number;
  lr?: number;
  tokensPerSecond?: number;
  elapsedSeconds?: number;
  etaSeconds?: number;
}

/** Bars never get narrower than this; below it the bar is dropped. */
const MIN_BAR = 10;
/** Nor wider than this, however wide the terminal is. */
const MAX_BAR = 40;

/**
 * A duration in seconds as a short clock: `45s`, `3m12s`, `1h02m`, `2d03h`; `--` for a negative or
 * non-finite value (an ETA not known yet).
 *
 * @example
 * ```ts
 * formatDuration(192); // '3m12s'
 * formatDuration(3725); // '1h02m'
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${two(Math.floor((s % 86400) / 3600))}h`;
}

/**
 * A count rounded to an integer with commas between thousands (locale-independent).
 *
 * @example
 * ```ts
 * formatCount(1234.4); // '1,234'
 * ```
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = String(Math.abs(Math.round(n)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return Math.round(n) < 0 ? `-${grouped}` : grouped;
}

/**
 * A learning rate in short exponent form, two significant digits.
 *
 * @example
 * ```ts
 * formatLearningRate(0.001); // '1.0e-3'
 * ```
 */
export function formatLearningRate(lr: number): string {
  return Number.isFinite(lr) ? lr.toExponential(1) : String(lr).toLowerCase();
}

/**
 * A loss with four significant digits; `nan` and `inf` for the values a diverging run produces.
 *
 * @example
 * ```ts
 * formatLoss(2.31412); // '2.314'
 * formatLoss(Number.NaN); // 'nan'
 * ```
 */
export function formatLoss(loss: number): string {
  if (Number.isNaN(loss)) return 'nan';
  if (!Number.isFinite(loss)) return loss > 0 ? 'inf' : '-inf';
  return loss.toPrecision(4);
}

/**
 * A bar `width` characters wide inside brackets: `=` for work done, `>` at the head, spaces after.
 * `fraction` is clamped to [0, 1].
 *
 * @example
 * ```ts
 * renderBar(0.24, 10); // '[==>       ]'
 * ```
 */
export function renderBar(fraction: number, width: number): string {
  const w = Math.max(0, Math.floor(width));
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const done = Math.floor(f * w);
  if (done >= w) return `[${'='.repeat(w)}]`;
  const head = done > 0 || f > 0 ? '>' : ' ';
  return `[${'='.repeat(done)}${head}${' '.repeat(w - done - 1)}]`;
}

/** The pieces of a line after the bar, in order. */
function tail(state: ProgressState, withEta: boolean): string[] {
  const parts: string[] = [];
  if (state.loss !== undefined) parts.push(`loss ${formatLoss(state.loss)}`);
  if (state.lr !== undefined) parts.push(`lr ${formatLearningRate(state.lr)}`);
  if (state.tokensPerSecond !== undefined) parts.push(`${formatCount(state.tokensPerSecond)} tok/s`);
  if (state.elapsedSeconds !== undefined && !withEta) parts.push(`elapsed ${formatDuration(state.elapsedSeconds)}`);
  if (withEta && state.total !== undefined && state.step < state.total) {
    parts.push(`ETA ${formatDuration(state.etaSeconds ?? Number.NaN)}`);
  }
  return parts;
}

function counter(state: ProgressState): string {
  const label = state.label ?? 'step';
  return state.total === undefined ? `${label} ${state.step}` : `${label} ${state.step}/${state.total}`;
}

function percent(state: ProgressState): string {
  const total = state.total ?? 0;
  const p = total > 0 ? Math.floor((100 * Math.min(state.step, total)) / total) : 100;
  return `${p}%`;
}

/**
 * The one-line bar a terminal shows, fitted to `columns` (one column is left free so the cursor
 * never wraps): the bar takes what the text leaves, between 10 and 40 characters, and is dropped
 * when even 10 do not fit; a line still too long is cut. Without `columns` the bar is 30 wide.
 *
 * @example
 * ```ts
 * formatProgressBar({ step: 120, total: 500, loss: 2.314, lr: 1e-3, tokensPerSecond: 1234, etaSeconds: 192 }, 80);
 * // 'step 120/500 [====>            ] 24% loss 2.314 lr 1.0e-3 1,234 tok/s ETA 3m12s'
 * ```
 */
export function formatProgressBar(state: ProgressState, columns?: number): string {
  const rest = tail(state, true);
  if (state.total === undefined) return fit([counter(state), ...rest].join(' '), columns);
  const head = counter(state);
  const after = [percent(state), ...rest].join(' ');
  const room = columns === undefined ? 30 + 2 : columns - 1 - head.length - after.length - 2;
  const barWidth = Math.min(MAX_BAR, room - 2);
  if (barWidth < MIN_BAR) return fit(`${head} ${after}`, columns);
  const bar = renderBar(state.total > 0 ? state.step / state.total : 1, barWidth);
  return fit(`${head} ${bar} ${after}`, columns);
}

/**
 * A plain log line for output that is not a terminal (a file, CI): no bar, elapsed time and ETA.
 *
 * @example
 * ```ts
 * formatProgressLog({ step: 120, total: 500, loss: 2.314, elapsedSeconds: 62, etaSeconds: 192 });
 * // 'step 120/500 (24%) loss 2.314 elapsed 1m02s ETA 3m12s'
 * ```
 */
export function formatProgressLog(state: ProgressState): string {
  const parts = [counter(state)];
  if (state.total !== undefined) parts.push(`(${percent(state)})`);
  parts.push(...tail({ ...state, etaSeconds: undefined }, false));
  if (state.total !== undefined && state.step < state.total) parts.push(`ETA ${formatDuration(state.etaSeconds ?? Number.NaN)}`);
  return parts.join(' ');
}

function fit(line: string, columns: number | undefined): string {
  if (columns === undefined || line.length <= columns - 1) return line;
  return line.slice(0, Math.max(0, columns - 1));
}
