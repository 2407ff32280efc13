import { describe, expect, it } from 'vitest';
import { memorySource, readSafetensors } from '../../packages/core/src/index.js';
import { loadPretrained } from '../../packages/models/src/index.js';
import { commitFuzzSeed } from './commit-seed.js';
import { runTargetInWorkers } from './fuzz-cli-run.js';
import { allocationBudget, runFuzzTarget } from './fuzz-runner.js';
import { seedBytes, seedText } from './targets/seed-files.js';
import { FUZZ_TARGETS } from './targets/index.js';

const PER_TARGET = 250;
// each commit explores its own inputs; the seed is in every test name and printed, to reproduce a failure
const { seed: SEED, source } = commitFuzzSeed();
console.info(`fuzz seed ${SEED} (${source}); reproduce with: pnpm fuzz --seed ${SEED} --count ${PER_TARGET * FUZZ_TARGETS.length} (or PEFT_FUZZ_SEED=${SEED} for this test)`);

describe(`the loaders under fuzzing (CI-sized run of pnpm fuzz, seed ${SEED} from the ${source})`, () => {
  it.each(FUZZ_TARGETS.map((t) => [t.name, t] as const))(`%s: every input loads or throws a PeftError in time, within its allocation budget (seed ${SEED})`, async (_name, target) => {
    // a generous deadline: CI machines run other suites beside this one (the CLI uses 2 s)
    const report = await runFuzzTarget(target, { seed: SEED, count: PER_TARGET, deadlineMs: 10_000 });
    expect(report.examples).toEqual([]);
    expect(report.crashes + report.hangs + report.oversized).toBe(0);
    expect(report.tried).toBe(PER_TARGET);
    // the mutations are mild enough that some inputs still load, and hostile enough that most do not
    // (a target for a format not supported yet expects none to load)
    if (target.someLoad === false) expect(report.outcomes.loaded ?? 0).toBe(0);
    else expect(report.outcomes.loaded ?? 0).toBeGreaterThan(0);
    expect(report.outcomes.loaded ?? 0).toBeLessThan(PER_TARGET);
  });
});

describe('allocation before validation', () => {
  it('refuses a safetensors header claiming a 2^40-element tensor without allocating it', async () => {
    const header = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'F32', shape: [2 ** 20, 2 ** 20], data_offsets: [0, 2 ** 42] } }));
    const file = new Uint8Array(8 + header.length + 16);
    new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
    file.set(header, 8);
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    await expect(memorySource({ f: file }).withBytes('f', (b) => readSafetensors(b))).rejects.toThrow(/safetensors/);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(allocationBudget(file.length));
  });

  it('refuses a config.json describing a model far larger than its weights before building it', async () => {
    const config = JSON.parse(await seedText('packages/models/test/fixtures/gpt2/config.json')) as Record<string, unknown>;
    const weights = await seedBytes('packages/models/test/fixtures/gpt2/model.safetensors');
    const before = process.memoryUsage().arrayBuffers;
    const source = memorySource({ 'config.json': JSON.stringify({ ...config, n_embd: 76_800, n_head: 4 }), 'model.safetensors': weights }, 'gpt2');
    await expect(loadPretrained(source)).rejects.toThrow(/gpt2\/config\.json: describes a model of at least .* parameters, but its weights hold \d+ bytes/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(allocationBudget(weights.length));
  });
});

describe('the fuzz runner', () => {
  it('counts a synchronous loop (watchdog), a promise that never settles (deadline), a TypeError and an unobserved rejection (crashes)', async () => {
    const report = await runTargetInWorkers('selftest', { seed: 1, count: 6, deadlineMs: 500, watchdogMs: 3000 });
    expect(report.outcomes).toEqual({ loaded: 2, hang: 2, crash: 2 });
    expect(report.examples.map((e) => e.split(':')[0])).toEqual(['#1 hang', '#2 crash', '#3 hang', '#4 crash']);
    expect(report.examples[3]).toContain('unhandled rejection RangeError: deliberate, unobserved');
  }, 60_000);
});
