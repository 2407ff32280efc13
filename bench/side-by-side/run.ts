/**
 * `pnpm bench side-by-side [--quick] [--json] [--write-docs] [--rounds N]`
 *
 * Runs the headline workload (see workload.ts) on @peft (WebGPU), TensorFlow.js (tfjs-backend-webgpu
 * on the same Dawn adapter) and PyTorch (CPU, when python3 with torch exists) in one process,
 * interleaved: each round runs a few steps of every peer, the order rotating per round, so that load
 * from others on the machine hits all alike. Prints min / median / max ms per step, tokens/s,
 * GFLOP/s and the per-round ratios against @peft; then forward-only tokens/s (adapter unmerged and
 * merged) and generation tokens/s. Writes the run to bench/results/ and, with `--write-docs`,
 * regenerates docs/benchmarks.md.
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelProfile } from '../../packages/core/src/index.js';
import { writeResults } from '../report.js';
import { openTargets } from '../targets.js';
import { writeBenchmarksDoc } from './docs.js';
import type { Peer } from './peer.js';
import { createPeftPeer } from './peft-peer.js';
import { type Spread, fmt, roundRatios, spread } from './stats.js';
import { createTfjsPeer } from './tfjs-peer.js';
import { createTorchPeer, torchUnavailable } from './torch-peer.js';
import { createChildPeer } from './child-peer.js';
import { interleave } from './interleave.js';
import { FLOP_FORMULA, TOKENS, WORKLOAD as W, forwardFlops, trainStepFlops } from './workload.js';

/** Options of {@link runSideBySide}. */
export interface SideBySideOptions {
  readonly quick: boolean;
  readonly json: boolean;
  readonly writeDocs: boolean;
  readonly rounds?: number;
  /** Also time one @peft step per kernel family (`--profile` or `PEFT_PROFILE=1`). */
  readonly profile?: boolean;
  /** Another checkout whose @peft runs as one more peer, interleaved (`--baseline DIR`): before/after in one sitting. */
  readonly baseline?: string;
}

/** One measured line of the side-by-side table. */
export interface SideBySideRow {
  /** `train step`, `forward unmerged`, `forward merged` or `generate`. */
  readonly workload: string;
  readonly peer: string;
  readonly device: string;
  /** Milliseconds per call (a step, a forward of the batch, or one whole generation). */
  readonly ms: Spread;
  /** Tokens per second at the median time (batch tokens, or generated tokens for `generate`). */
  readonly tokensPerS: number;
  /** Achieved GFLOP/s at the median time (absent for generation). */
  readonly gflops?: number;
  /** Per-round ratio of this peer's median time to @peft's (absent for @peft itself). */
  readonly vsPeft?: Spread;
  readonly calls: number;
  readonly loss?: number;
}

/** The whole run, as the docs and the results file take it. */
export interface SideBySideRun {
  readonly startedAt: string;
  readonly machine: string;
  readonly adapter: string;
  readonly rounds: number;
  readonly flopFormula: string;
  readonly trainFlops: number;
  readonly forwardFlops: number;
  readonly skipped: string[];
  /** The 1-minute load average when the run began and when it ended (other work on the machine). */
  readonly load: readonly [number, number];
  readonly rows: SideBySideRow[];
  /** One @peft training step's time per kernel family, when profiled. */
  readonly profile?: KernelProfile;
}

const info = (msg: string) => console.error(msg);

/** The @peft of checkout `dir` as a child process (peft-child.ts), measured beside this one. */
function createBaselinePeer(dir: string): Promise<Peer> {
  const child = fileURLToPath(new URL('./peft-child.ts', import.meta.url));
  return createChildPeer('@peft baseline', process.execPath, ['--conditions=@peft/source', '--import', 'tsx', child, resolve(dir)]);
}

/** Runs the side-by-side benchmark and returns what it measured. */
export async function runSideBySide(opts: SideBySideOptions): Promise<SideBySideRun> {
  const rounds = opts.rounds ?? (opts.quick ? 2 : 8);
  const per = opts.quick ? 1 : 3;
  const startedAt = new Date();
  const loadAtStart = loadavg()[0];
  const targets = await openTargets(['webgpu']);
  const webgpu = targets.available[0];
  if (!webgpu) throw new Error(`side-by-side: no WebGPU adapter (${targets.unavailable.map((u) => u.reason).join('; ')})`);
  const peers: Peer[] = [];
  const skipped: string[] = [];
  try {
    peers.push(await createPeftPeer('@peft webgpu', webgpu.backend, webgpu.adapter));
    if (opts.baseline) peers.push(await createBaselinePeer(opts.baseline));
    try {
      peers.push(await createTfjsPeer());
    } catch (e) {
      skipped.push(`tfjs webgpu skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
    const noTorch = torchUnavailable();
    if (noTorch) skipped.push(`pytorch cpu skipped: ${noTorch}`);
    else peers.push(await createTorchPeer());
    for (const s of skipped) info(`side-by-side: ${s}`);
    for (const p of peers) info(`side-by-side: ${p.name} on ${p.device}`);

    info('side-by-side: warm-up…');
    for (const p of peers) {
      await p.trainSteps(2);
      await p.forwards(false, 1);
      await p.forwards(true, 1);
      await p.generations?.(1);
    }
    const rows: SideBySideRow[] = [];
    const add = (workload: string, times: number[][][], tokens: number, flops: number | undefined, group: readonly Peer[], withLoss = false) => {
      const ours = times[0];
      group.forEach((p, i) => {
        const all = times[i].flat();
        const ms = spread(all);
        rows.push({
          workload,
          peer: p.name,
          device: p.device,
          ms,
          tokensPerS: tokens / (ms.median / 1000),
          gflops: flops === undefined ? undefined : flops / (ms.median / 1000) / 1e9,
          vsPeft: i === 0 ? undefined : spread(roundRatios(times[i], ours)),
          calls: all.length,
          loss: withLoss ? p.lastLoss() : undefined,
        });
      });
    };
    info(`side-by-side: training, ${rounds} rounds of ${per} steps per peer…`);
    add('train step', await interleave(peers, rounds, (p) => p.trainSteps(per)), TOKENS, trainStepFlops(), peers, true);
    info('side-by-side: forward, adapter unmerged and merged…');
    const fwd = await interleave(peers, rounds, async (p) => [...(await p.forwards(false, per)), Number.NaN, ...(await p.forwards(true, per))]);
    add('forward unmerged', fwd.map((rs) => rs.map((r) => r.slice(0, per))), TOKENS, forwardFlops(), peers);
    add('forward merged', fwd.map((rs) => rs.map((r) => r.slice(per + 1))), TOKENS, forwardFlops(), peers);
    const gen = peers.filter((p) => p.generations);
    info('side-by-side: generation…');
    add('generate', await interleave(gen, Math.max(1, rounds >> 1), (p) => p.generations!(1)), W.batch * W.genNew, undefined, gen);
    for (const p of peers) if (!p.generations) skipped.push(`${p.name}: generation not measured (no KV-cache decoder written for it)`);

    let profile: KernelProfile | undefined;
    if (opts.profile && peers[0].profileStep) {
      info('side-by-side: profiling one @peft step by kernel family…');
      profile = (await peers[0].profileStep()) ?? undefined;
    }
    const run: SideBySideRun = {
      startedAt: startedAt.toISOString(),
      machine: `${cpus()[0]?.model.trim() ?? 'unknown CPU'} x${cpus().length}`,
      adapter: webgpu.adapter,
      rounds,
      flopFormula: FLOP_FORMULA,
      trainFlops: trainStepFlops(),
      forwardFlops: forwardFlops(),
      skipped,
      load: [loadAtStart, loadavg()[0]],
      rows,
      profile,
    };
    print(run, opts.json);
    const file = writeResults(
      startedAt,
      rows.map((r) => flatRow(r)),
      { sideBySide: true, quick: opts.quick, rounds, flopFormula: FLOP_FORMULA, skipped, load: run.load },
    );
    info(`\nside-by-side: results written to ${file}`);
    if (opts.writeDocs) info(`side-by-side: wrote ${writeBenchmarksDoc(run)}`);
    return run;
  } finally {
    for (const p of peers) await p.close();
    targets.close();
  }
}

/** A row as plain fields, for JSON lines and the results file. */
function flatRow(r: SideBySideRow): { bench: string; backend: string; adapter: string } & Record<string, number | string> {
  const out: { bench: string; backend: string; adapter: string } & Record<string, number | string> = {
    bench: 'side-by-side',
    backend: r.peer,
    adapter: r.device,
    workload: r.workload,
    msMin: Number(fmt(r.ms.min)),
    msMedian: Number(fmt(r.ms.median)),
    msMax: Number(fmt(r.ms.max)),
    tokensPerS: Number(fmt(r.tokensPerS)),
    calls: r.calls,
  };
  if (r.gflops !== undefined) out.gflops = Number(fmt(r.gflops));
  if (r.vsPeft) Object.assign(out, { vsPeftMin: Number(fmt(r.vsPeft.min)), vsPeftMedian: Number(fmt(r.vsPeft.median)), vsPeftMax: Number(fmt(r.vsPeft.max)) });
  if (r.loss !== undefined) out.loss = Number(fmt(r.loss));
  return out;
}

/** The table as markdown lines (shared by the console and the docs). */
export function tableLines(run: SideBySideRun): string[] {
  const lines = [
    '| workload | peer | ms min / median / max | tokens/s | GFLOP/s | peer ÷ @peft (min / median / max) |',
    '| --- | --- | --- | ---: | ---: | --- |',
  ];
  for (const r of run.rows) {
    const ratio = r.vsPeft ? `${fmt(r.vsPeft.min)} / **${fmt(r.vsPeft.median)}** / ${fmt(r.vsPeft.max)}` : '1';
    lines.push(
      `| ${r.workload} | ${r.peer} | ${fmt(r.ms.min)} / **${fmt(r.ms.median)}** / ${fmt(r.ms.max)} | ${fmt(r.tokensPerS)} | ${r.gflops === undefined ? '' : fmt(r.gflops)} | ${ratio} |`,
    );
  }
  return lines;
}

function print(run: SideBySideRun, json: boolean): void {
  if (json) {
    for (const r of run.rows) console.log(JSON.stringify(flatRow(r)));
    return;
  }
  console.log(`\nside-by-side: ${run.machine}; WebGPU adapter: ${run.adapter}; ${run.rounds} interleaved rounds; load average ${run.load.map((l) => l.toFixed(1)).join(' → ')}`);
  for (const l of tableLines(run)) console.log(l);
  console.log(`\nFLOPs: ${FLOP_FORMULA}`);
  console.log(`      = ${fmt(run.trainFlops / 1e9)} GFLOP per train step, ${fmt(run.forwardFlops / 1e9)} GFLOP per forward`);
  console.log('ratios: per round, the peer\'s median time over @peft\'s (above 1: @peft is faster)');
  const train = run.rows.filter((r) => r.workload === 'train step');
  for (const r of train) console.log(`loss after the run (${r.peer}): ${r.loss === undefined ? '?' : fmt(r.loss)}`);
  for (const s of run.skipped) console.log(s);
  if (run.profile) {
    console.log('');
    for (const l of profileLines(run.profile)) console.log(l);
  }
}

/** A kernel-family profile as markdown lines. */
export function profileLines(p: KernelProfile): string[] {
  const how =
    p.method === 'timestamp-query'
      ? 'GPU timestamps (timestamp-query), each dispatch in a compute pass of its own'
      : 'CPU-side timing: each dispatch submitted alone, timed from its submit to the queue\'s completion callback (coarse; includes submit overhead)';
  const lines = [
    `One @peft training step by kernel family, measured with ${how}; total ${fmt(p.totalMs)} ms of kernel time.`,
    '',
    '| kernel family | ms | share | dispatches |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const e of p.entries) lines.push(`| ${e.family} | ${fmt(e.ms)} | ${((100 * e.ms) / p.totalMs).toFixed(1)}% | ${e.dispatches} |`);
  return lines;
}
