/**
 * `pnpm bench [names…] [--quick] [--json] [--backend cpu|webgpu]`
 * `pnpm bench side-by-side [--quick] [--json] [--write-docs] [--rounds N] [--profile] [--baseline DIR]` (see side-by-side/run.ts)
 * `pnpm bench real-models [--quick] [--json] [--models a,b] [--rounds N] [--f32-weights] [--gradient-checkpointing] [--baseline DIR]` (see real-models/run.ts)
 *
 * Runs every `bench/*.bench.ts` (or the named ones) on each backend, prints a table per benchmark (or,
 * with `--json`, one JSON object per row on stdout) and writes the run to bench/results/.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Bench } from './harness.js';
import { type Row, printTable, writeResults } from './report.js';
import { openTargets } from './targets.js';

const here = dirname(fileURLToPath(import.meta.url));

const { values: flags, positionals: names } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    backend: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h', default: false },
    'write-docs': { type: 'boolean', default: false },
    rounds: { type: 'string' },
    profile: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    models: { type: 'string' },
    'f32-weights': { type: 'boolean', default: false },
    'gradient-checkpointing': { type: 'boolean', default: false },
  },
});

if (names[0] === 'side-by-side') {
  const { runSideBySide } = await import('./side-by-side/run.js');
  await runSideBySide({ quick: flags.quick, json: flags.json, writeDocs: flags['write-docs'], rounds: flags.rounds ? Number(flags.rounds) : undefined,
    profile: flags.profile || process.env.PEFT_PROFILE === '1',
    baseline: flags.baseline,
  });
  process.exit(0);
}

if (names[0] === 'real-models' && flags.profile) {
  const { profileRealModels } = await import('./real-models/profile.js');
  await profileRealModels({ quick: flags.quick, json: flags.json, models: flags.models });
  process.exit(0);
}

if (names[0] === 'real-models') {
  const { runRealModels } = await import('./real-models/run.js');
  await runRealModels({ quick: flags.quick, json: flags.json, models: flags.models, rounds: flags.rounds ? Number(flags.rounds) : undefined, f32Weights: flags['f32-weights'], gradientCheckpointing: flags['gradient-checkpointing'], baseline: flags.baseline });
  process.exit(0);
}

async function loadBenches(): Promise<Bench[]> {
  const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
  const benches: Bench[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as { default: Bench };
    benches.push(mod.default);
  }
  return benches;
}

const all = await loadBenches();
if (flags.help) {
  console.log('pnpm bench [names...] [--quick] [--json] [--backend cpu|webgpu]');
  console.log('pnpm bench side-by-side [--quick] [--json] [--write-docs] [--rounds N] [--profile] [--baseline DIR]   @peft vs tfjs-webgpu vs PyTorch (and another checkout\'s @peft)');
  console.log('pnpm bench real-models [--quick] [--json] [--models a,b] [--rounds N] [--f32-weights] [--gradient-checkpointing] [--baseline DIR]   LoRA/QLoRA steps on real-size checkpoints, @peft vs PyTorch + PEFT (--f32-weights: also @peft with the weights widened to f32; --baseline: also the @peft of another checkout, interleaved; --profile: one step per model by kernel family)\n');
  for (const b of all) console.log(`  ${b.name.padEnd(12)} ${b.description}`);
  process.exit(0);
}
const unknown = names.filter((n) => !all.some((b) => b.name === n));
if (unknown.length) {
  console.error(`bench: no benchmark named ${unknown.join(', ')} (have: ${all.map((b) => b.name).join(', ')})`);
  process.exit(2);
}
const selected = names.length ? all.filter((b) => names.includes(b.name)) : all;

// progress and diagnostics go to stderr so that --json keeps stdout machine-readable
const info = (msg: string) => console.error(msg);
const targets = await openTargets(flags.backend ?? ['webgpu', 'cpu']);
for (const t of targets.available) info(`bench: ${t.name} on ${t.adapter}`);
for (const u of targets.unavailable) {
  info(`bench: WARNING ${u.name} is unavailable (${u.reason}); its rows are missing from this run`);
  if (flags.json) console.log(JSON.stringify({ bench: 'backend', backend: u.name, adapter: null, error: u.reason }));
}

const started = new Date();
const rows: Row[] = [];
const ctx = { quick: flags.quick };
try {
  for (const bench of selected) {
    const benchRows: Row[] = [];
    for (const target of targets.available) {
      info(`bench: ${bench.name} on ${target.name}…`);
      for await (const metrics of bench.run(target, ctx)) {
        const row: Row = { bench: bench.name, backend: target.name, adapter: target.adapter, ...metrics };
        benchRows.push(row);
        if (flags.json) console.log(JSON.stringify(row));
      }
    }
    if (!flags.json) printTable(`${bench.name}: ${bench.description}`, benchRows);
    rows.push(...benchRows);
  }
} finally {
  targets.close();
}

const file = writeResults(started, rows, { quick: flags.quick, unavailable: targets.unavailable });
info(`\nbench: results written to ${file}`);
for (const u of targets.unavailable) info(`bench: WARNING no ${u.name} rows: ${u.reason}`);
