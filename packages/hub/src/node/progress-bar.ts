import type { ProgressSink } from './hub-settings.js';

/** Below this size a log gets only the start and end lines. */
const QUARTER_LINES_FROM = 8_000_000;

/**
 * A download or upload progress display: on a terminal one line redrawn in place (bar, bytes, rate,
 * time left); elsewhere (logs, CI) a plain line at the start, at each quarter (files of 8 MB or
 * more), and at the end.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar(process.stderr, 'model.safetensors', 269_060_552);
 * bar.advance(65_536);
 * bar.finish();
 * ```
 */
export class ProgressBar {
  private done = 0;
  private readonly started = Date.now();
  private lastDraw = 0;
  private nextQuarter = 1;
  private readonly tty: boolean;

  constructor(
    private readonly out: ProgressSink | null,
    private readonly label: string,
    private readonly total: number,
    start = 0,
  ) {
    this.tty = out?.isTTY === true;
    this.done = start;
    if (out && !this.tty) out.write(`${label}: ${start > 0 ? `resuming at ${formatBytes(start)} of` : 'downloading'} ${formatBytes(total)}\n`);
  }

  /** Counts `bytes` more and redraws when due. */
  advance(bytes: number): void {
    this.done += bytes;
    if (!this.out) return;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDraw >= 100) {
        this.lastDraw = now;
        this.out.write(`\r${this.line()}`);
      }
    } else if (this.total >= QUARTER_LINES_FROM && this.done >= (this.nextQuarter * this.total) / 4 && this.nextQuarter < 4) {
      while (this.nextQuarter < 4 && this.done >= (this.nextQuarter * this.total) / 4) this.nextQuarter++;
      this.out.write(`${this.line()}\n`);
    }
  }

  /** Draws the final state and ends the line. */
  finish(verb = 'done'): void {
    if (!this.out) return;
    const secs = Math.max((Date.now() - this.started) / 1000, 1e-3);
    this.out.write(`${this.tty ? '\r' : ''}${this.label}: ${verb}, ${formatBytes(this.done)} in ${secs.toFixed(1)} s${this.tty ? '\x1b[K' : ''}\n`);
  }

  private line(): string {
    const secs = Math.max((Date.now() - this.started) / 1000, 1e-3);
    const rate = this.done / secs;
    const frac = this.total > 0 ? Math.min(this.done / this.total, 1) : 0;
    const left = rate > 0 && this.total > 0 ? (this.total - this.done) / rate : Infinity;
    const width = 24;
    const fill = Math.round(frac * width);
    const bar = this.tty ? `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ` : '';
    return `${this.label}: ${bar}${(frac * 100).toFixed(0)}% ${formatBytes(this.done)}/${formatBytes(this.total)} ${formatBytes(rate)}/s ETA ${Number.isFinite(left) ? `${Math.ceil(left)} s` : '?'}`;
  }
}

/**
 * Bytes for people: `1.5 MB`, `268 MB`, `12 B` (powers of 1000, as the Hub shows sizes).
 *
 * @example
 * ```ts
 * formatBytes(1_500_000); // '1.5 MB'
 * ```
 */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
}
