import type { FuzzTargetReport } from './fuzz-runner.js';

/**
 * A text table of outcome classes per target (one column per class seen, then crashes, hangs,
 * oversized allocations, the slowest input and the largest array-buffer growth).
 *
 * @example
 * ```ts
 * console.log(formatFuzzTable(reports));
 * ```
 */
export function formatFuzzTable(reports: readonly FuzzTargetReport[]): string {
  const classes = [...new Set(reports.flatMap((r) => Object.keys(r.outcomes)))].filter((c) => c !== 'crash' && c !== 'hang').sort((a, b) => (a === 'loaded' ? -1 : b === 'loaded' ? 1 : a.localeCompare(b)));
  const head = ['target', 'tried', ...classes, 'crash', 'hang', 'oversized', 'slowest ms', 'max growth KiB'];
  const rows = reports.map((r) => [
    r.target,
    String(r.tried),
    ...classes.map((c) => String(r.outcomes[c] ?? 0)),
    String(r.crashes),
    String(r.hangs),
    String(r.oversized),
    String(r.slowestMs),
    String(Math.round(r.largestGrowthBytes / 1024)),
  ]);
  const all = [head, ...rows];
  const width = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ')).join('\n');
}
