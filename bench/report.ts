/** Output of a benchmark run: a table per benchmark, or JSON lines, plus a results file. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One printed row: the benchmark, the backend, the device, then its metrics. */
export type Row = { bench: string; backend: string; adapter: string } & Record<string, number | string>;

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

function cell(v: unknown): string {
  return typeof v === 'number' ? String(v) : String(v ?? '');
}

/**
 * Prints rows as an aligned table, columns in first-seen order. `bench` goes in the heading and each
 * backend's `adapter` on a line of its own under it.
 */
export function printTable(title: string, rows: readonly Row[]): void {
  const columns: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (k !== 'bench' && k !== 'adapter' && !columns.includes(k)) columns.push(k);
  const adapters = new Map(rows.map((r) => [r.backend, r.adapter]));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const numeric = columns.map((c) => rows.every((r) => r[c] === undefined || typeof r[c] === 'number'));
  const line = (values: string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(`\n${title}`);
  for (const [backend, adapter] of adapters) console.log(`  ${backend}: ${adapter}`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(columns.map((c) => cell(r[c]))));
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Writes the run that began at `started` to `bench/results/<time>.json` and returns the path. */
export function writeResults(started: Date, rows: readonly Row[], notes: Record<string, unknown>): string {
  const startedAt = started.toISOString();
  const file = join(RESULTS_DIR, `${startedAt.replace(/[:.]/g, '-')}.json`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const doc = {
    startedAt,
    commit: gitCommit(),
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    cpu: `${cpus()[0]?.model.trim() ?? 'unknown'} x${cpus().length}`,
    ...notes,
    rows,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
