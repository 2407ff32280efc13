/**
 * `pnpm fuzz [--seed N|commit] [--count N] [--only a,b] [--json path]`: feeds mutated and random files to every
 * public loader (see targets/) and prints the outcome classes per target. Each input must either load
 * or throw a PeftError within the deadline; crashes (another exception), hangs and oversized
 * allocations are listed with the input index to reproduce. Exits 1 when any are found. `--seed commit`
 * takes the seed CI's run uses (from `git rev-parse HEAD`, see commit-seed.ts) and prints it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FUZZ_SEED, commitFuzzSeed } from './commit-seed.js';
import { runTargetInWorkers } from './fuzz-cli-run.js';
import type { FuzzTargetReport } from './fuzz-runner.js';
import { formatFuzzTable } from './fuzz-table.js';
import { ALL_FUZZ_TARGETS, FUZZ_TARGETS } from './targets/index.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(DEFAULT_FUZZ_SEED) },
    count: { type: 'string', default: '10000' },
    only: { type: 'string' },
    json: { type: 'string', default: 'tmp/fuzz.json' },
    'deadline-ms': { type: 'string', default: '2000' },
    'watchdog-ms': { type: 'string', default: '20000' },
  },
});
const seed = values.seed === 'commit' ? commitFuzzSeed().seed : Number(values.seed);
if (values.seed === 'commit') process.stderr.write(`fuzz: seed ${seed} (${commitFuzzSeed().source})\n`);
const total = Number(values.count);
const targets = values.only ? ALL_FUZZ_TARGETS.filter((t) => values.only!.split(',').includes(t.name)) : FUZZ_TARGETS;
if (!Number.isInteger(seed) || !Number.isInteger(total) || total < targets.length || targets.length === 0) {
  console.error(`fuzz: expected an integer --seed, a --count of at least one input per target, and --only naming some of ${ALL_FUZZ_TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const started = performance.now();
const reports: FuzzTargetReport[] = [];
for (const [i, t] of targets.entries()) {
  const count = Math.floor(total / targets.length) + (i < total % targets.length ? 1 : 0);
  process.stderr.write(`fuzz: ${t.name} (${t.description}): ${count} inputs\n`);
  reports.push(await runTargetInWorkers(t.name, { seed, count, deadlineMs: Number(values['deadline-ms']), watchdogMs: Number(values['watchdog-ms']) }));
}
const seconds = (performance.now() - started) / 1000;
console.log(formatFuzzTable(reports));
for (const r of reports) for (const e of r.examples) console.log(`  ${r.target} ${e}`);
const summary = {
  seed,
  count: reports.reduce((s, r) => s + r.tried, 0),
  crashes: reports.reduce((s, r) => s + r.crashes, 0),
  hangs: reports.reduce((s, r) => s + r.hangs, 0),
  oversized: reports.reduce((s, r) => s + r.oversized, 0),
  seconds: Math.round(seconds),
  node: process.version,
  targets: reports,
};
console.log(`\n${summary.count} inputs in ${summary.seconds} s (seed ${seed}): ${summary.crashes} crashes, ${summary.hangs} hangs, ${summary.oversized} oversized allocations`);
mkdirSync(dirname(values.json), { recursive: true });
writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`wrote ${values.json}`);
process.exitCode = summary.crashes + summary.hangs + summary.oversized > 0 ? 1 : 0;
