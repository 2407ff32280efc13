import { ArgumentError } from '@peft/core';
import { formatTick, niceTicks } from './axis-ticks.js';
import type { MetricsEntry } from './metrics-log.js';

/**
 * One loss value at an optimizer step; `null` or NaN is a gap in the curve.
 *
 * @example
 * ```ts
 * const p: LossPoint = { step: 10, loss: 2.31 };
 * ```
 */
export interface LossPoint {
  step: number;
  loss: number | null;
}

/**
 * The curves of one chart: training loss (logged every few steps) and evaluation loss.
 *
 * @example
 * ```ts
 * const s: LossSeries = { train: [{ step: 1, loss: 3 }, { step: 2, loss: 2.5 }], eval: [{ step: 2, loss: 2.7 }] };
 * ```
 */
export interface LossSeries {
  train?: readonly LossPoint[];
  eval?: readonly LossPoint[];
}

/**
 * How {@link lossCurveSvg} draws.
 *
 * @example
 * ```ts
 * const opts: LossCurveOptions = { title: 'gpt2 + LoRA r=8', smoothing: 0.6 };
 * ```
 */
export interface LossCurveOptions {
  /** Shown above the chart ('Loss'). */
  title?: string;
  /** Size in pixels (720 × 420). */
  width?: number;
  height?: number;
  /**
   * Exponential smoothing weight of the training curve in [0, 1) (0, none), as TensorBoard's slider:
   * the smoothed curve is drawn over the raw one, which is kept faint.
   */
  smoothing?: number;
  /** Axis titles ('step', 'loss'). */
  xLabel?: string;
  yLabel?: string;
}

const TRAIN_COLOR = '#1f77b4';
const EVAL_COLOR = '#d62728';
const MARGIN = { left: 64, right: 20, top: 44, bottom: 48 };

/**
 * Training and evaluation losses from metrics-log entries, with Hugging Face's names: `loss` for
 * training, `eval_loss` for evaluation (a `null` value, a non-finite number written by the log,
 * is kept as a gap).
 *
 * @example
 * ```ts
 * lossSeriesFromMetrics([{ step: 1, loss: 3 }, { step: 1, eval_loss: 3.2 }]);
 * // { train: [{ step: 1, loss: 3 }], eval: [{ step: 1, loss: 3.2 }] }
 * ```
 */
export function lossSeriesFromMetrics(entries: readonly MetricsEntry[]): Required<LossSeries> {
  const pick = (key: string): LossPoint[] =>
    entries
      .filter((e) => key in e && (typeof e[key] === 'number' || e[key] === null))
      .map((e) => ({ step: e.step, loss: e[key] as number | null }));
  return { train: pick('loss'), eval: pick('eval_loss') };
}

/**
 * Exponential moving average with TensorBoard's bias correction (the first points are not pulled
 * towards 0). Gaps stay gaps and do not reset the average.
 *
 * @example
 * ```ts
 * smoothLoss([{ step: 1, loss: 4 }, { step: 2, loss: 2 }], 0.5); // [{ step: 1, loss: 4 }, { step: 2, loss: 2.666… }]
 * ```
 */
export function smoothLoss(points: readonly LossPoint[], weight: number): LossPoint[] {
  if (!(weight >= 0 && weight < 1)) {
    throw new ArgumentError(`smoothLoss: weight must be a number in [0, 1), got ${weight}`);
  }
  let avg = 0;
  let n = 0;
  return points.map(({ step, loss }) => {
    if (loss === null || !Number.isFinite(loss)) return { step, loss: null };
    avg = avg * weight + (1 - weight) * loss;
    n++;
    return { step, loss: avg / (1 - weight ** n) };
  });
}

/**
 * Escapes text for SVG/XML content and attribute values.
 *
 * @example
 * ```ts
 * escapeXml('a < b & "c"'); // 'a &lt; b &amp; &quot;c&quot;'
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** Points with a finite loss, sorted by step, split into runs at gaps. */
function runs(points: readonly LossPoint[]): LossPoint[][] {
  const sorted = [...points].sort((a, b) => a.step - b.step);
  const out: LossPoint[][] = [];
  let current: LossPoint[] = [];
  for (const p of sorted) {
    if (p.loss === null || !Number.isFinite(p.loss) || !Number.isFinite(p.step)) {
      if (current.length > 0) out.push(current);
      current = [];
    } else {
      current.push(p);
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

const num = (v: number): string => String(Math.round(v * 100) / 100);

/**
 * The loss curves as a standalone SVG document (no scripts, no external files): training loss
 * (optionally smoothed over a faint raw curve) and evaluation loss with markers against the step,
 * axes with round ticks, axis titles, a title and a legend. Gaps (`null` or NaN) break a curve; a
 * point with no neighbour is drawn as a dot; a single point or constant values still get a
 * readable axis range. Each curve piece is a `<polyline>` with class `train`, `train-raw` or `eval`.
 *
 * @example
 * ```ts
 * const svg = lossCurveSvg(lossSeriesFromMetrics(log.entries), { title: 'gpt2 + LoRA', smoothing: 0.6 });
 * await writeFile(join(outputDir, 'loss.svg'), svg);
 * ```
 */
export function lossCurveSvg(series: LossSeries, options: LossCurveOptions = {}): string {
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  if (!(width >= 200 && height >= 150)) {
    throw new ArgumentError(`lossCurveSvg: width and height must be at least 200 × 150, got ${width} × ${height}`);
  }
  const smoothing = options.smoothing ?? 0;
  if (!(smoothing >= 0 && smoothing < 1)) {
    throw new ArgumentError(`lossCurveSvg: smoothing must be a number in [0, 1), got ${smoothing}`);
  }
  const train = series.train ?? [];
  const evalPoints = series.eval ?? [];
  const smoothed = smoothing > 0 ? smoothLoss([...train].sort((a, b) => a.step - b.step), smoothing) : undefined;

  const all = [...train, ...evalPoints].filter((p) => p.loss !== null && Number.isFinite(p.loss) && Number.isFinite(p.step));
  const range = (values: number[]): [number, number] => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return [lo, hi];
  };
  const xt = niceTicks(...range(all.map((p) => p.step)), 7, 1);
  const yt = niceTicks(...range(all.map((p) => p.loss as number)), 6);

  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x = (step: number): number => MARGIN.left + ((step - xt.min) / (xt.max - xt.min)) * plotW;
  const y = (loss: number): number => MARGIN.top + plotH - ((loss - yt.min) / (yt.max - yt.min)) * plotH;
  const bottom = MARGIN.top + plotH;

  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(
    `<text class="title" x="${num(width / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title ?? 'Loss')}</text>`,
  );

  // grid, ticks and tick labels
  out.push('<g class="y-axis" stroke="#e5e5e5">');
  for (const v of yt.values) {
    out.push(`<line x1="${MARGIN.left}" y1="${num(y(v))}" x2="${MARGIN.left + plotW}" y2="${num(y(v))}"/>`);
  }
  out.push('</g><g class="y-ticks" text-anchor="end" fill="#333333">');
  for (const v of yt.values) {
    out.push(`<text x="${MARGIN.left - 6}" y="${num(y(v) + 4)}">${formatTick(v, yt.step)}</text>`);
  }
  out.push('</g><g class="x-ticks" text-anchor="middle" fill="#333333">');
  for (const v of xt.values) {
    out.push(`<line x1="${num(x(v))}" y1="${bottom}" x2="${num(x(v))}" y2="${bottom + 5}" stroke="#333333"/>`);
    out.push(`<text x="${num(x(v))}" y="${bottom + 18}">${formatTick(v, xt.step)}</text>`);
  }
  out.push('</g>');
  out.push(
    `<path class="axes" d="M${MARGIN.left},${MARGIN.top}V${bottom}H${MARGIN.left + plotW}" fill="none" stroke="#333333"/>`,
  );
  out.push(
    `<text class="x-label" x="${num(MARGIN.left + plotW / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel ?? 'step')}</text>`,
  );
  const yMid = num(MARGIN.top + plotH / 2);
  out.push(
    `<text class="y-label" x="16" y="${yMid}" text-anchor="middle" transform="rotate(-90 16 ${yMid})">${escapeXml(options.yLabel ?? 'loss')}</text>`,
  );

  const curve = (points: readonly LossPoint[], cls: string, color: string, extra: string): void => {
    for (const run of runs(points)) {
      if (run.length === 1) {
        out.push(`<circle class="${cls}" cx="${num(x(run[0].step))}" cy="${num(y(run[0].loss as number))}" r="2.5" fill="${color}"${extra}/>`);
      } else {
        const pts = run.map((p) => `${num(x(p.step))},${num(y(p.loss as number))}`).join(' ');
        out.push(`<polyline class="${cls}" points="${pts}" fill="none" stroke="${color}" stroke-width="1.6" stroke-linejoin="round"${extra}/>`);
      }
    }
  };
  if (smoothed) {
    curve(train, 'train-raw', TRAIN_COLOR, ' opacity="0.3"');
    curve(smoothed, 'train', TRAIN_COLOR, '');
  } else {
    curve(train, 'train', TRAIN_COLOR, '');
  }
  curve(evalPoints, 'eval', EVAL_COLOR, '');
  for (const run of runs(evalPoints)) {
    if (run.length === 1) continue;
    for (const p of run) {
      out.push(`<circle class="eval-marker" cx="${num(x(p.step))}" cy="${num(y(p.loss as number))}" r="2.5" fill="${EVAL_COLOR}"/>`);
    }
  }

  const legend: [string, string][] = [];
  if (train.length > 0) legend.push([smoothed ? `train (smoothed ${smoothing})` : 'train', TRAIN_COLOR]);
  if (evalPoints.length > 0) legend.push(['eval', EVAL_COLOR]);
  if (all.length === 0) {
    out.push(`<text class="no-data" x="${num(MARGIN.left + plotW / 2)}" y="${yMid}" text-anchor="middle" fill="#888888">no finite loss values</text>`);
  }
  if (legend.length > 0) {
    // about 7 px per character at font-size 12
    const boxW = Math.max(90, 46 + 7 * Math.max(...legend.map(([label]) => label.length)));
    const lx = MARGIN.left + plotW - boxW - 8;
    out.push(`<g class="legend"><rect x="${lx}" y="${MARGIN.top + 6}" width="${boxW}" height="${8 + 18 * legend.length}" fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`);
    legend.forEach(([label, color], i) => {
      const ly = MARGIN.top + 20 + 18 * i;
      out.push(`<line x1="${lx + 8}" y1="${ly}" x2="${lx + 30}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
      out.push(`<text x="${lx + 36}" y="${ly + 4}">${escapeXml(label)}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
