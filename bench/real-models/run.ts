/**
 * `pnpm bench real-models [--quick] [--json] [--models a,b] [--rounds N] [--f32-weights] [--gradient-checkpointing] [--baseline DIR]`
 *
 * LoRA training steps on real-size models (the checkpoints of tools/real-models.py: GPT-2 small,
 * SmolLM2-135M, Qwen2.5-0.5B, Llama-3.2-1B shapes), r 8 on q/v (GPT-2: c_attn), AdamW, batch 4 × 256
 * (`--quick`: 4 × 128 and fewer rounds): @peft on WebGPU against PyTorch + PEFT on the CPU, each in a
 * child process of its own (so each peak resident set is that peer's alone), interleaved in rounds as
 * `side-by-side` does. Per model and peer: ms/step, tokens/s, peak RSS, peak device bytes, and the
 * per-round ratio against @peft. `--f32-weights` adds a third peer, @peft with the checkpoint's bf16
 * weights widened to f32 at load (`dtype: 'f32'`: how @peft held them before), to show what keeping
 * them 16-bit saves in the same run. `--baseline DIR` adds the @peft of another checkout (its own
 * bench/real-models/peft-child.ts), interleaved: before and after a change in one sitting.
 * `--gradient-checkpointing` turns it on in every peer. Then one QLoRA row: the 1B model with an NF4 base, @peft only
 * (PyTorch has no 4-bit path on the CPU). Writes the run to bench/results/.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults } from '../report.js';
import { createChildPeer } from '../side-by-side/child-peer.js';
import { interleave } from '../side-by-side/interleave.js';
import type { Peer } from '../side-by-side/peer.js';
import { type Spread, fmt, roundRatios, spread } from '../side-by-side/stats.js';
import { torchUnavailable } from '../side-by-side/torch-peer.js';
import { CREATE_COMMAND, QLORA_MODEL, missingCheckpoint, modelFolder, selectModels } from './checkpoints.js';
import { FULL, QUICK, type RealWorkload } from './workload.js';

/** Options of {@link runRealModels}. */
export interface RealModelsOptions {
  readonly quick: boolean;
  readonly json: boolean;
  /** Comma-separated model names (default: all). */
  readonly models?: string;
  readonly rounds?: number;
  /** Also run @peft with the weights widened to f32 (`loadPretrained`'s `dtype: 'f32'`). */
  readonly f32Weights?: boolean;
  /** Gradient checkpointing on in every peer (each layer recomputed in the backward). */
  readonly gradientCheckpointing?: boolean;
  /** Another checkout whose @peft runs as one more peer, interleaved (`--baseline DIR`). */
  readonly baseline?: string;
}

/** One row of the table: a model, a workload (`lora` or `qlora`) and a peer. */
export interface RealModelsRow {
  readonly model: string;
  readonly workload: 'lora' | 'qlora';
  readonly peer: string;
  readonly device: string;
  readonly ms?: Spread;
  readonly tokensPerS?: number;
  readonly peakRssBytes?: number;
  readonly peakDeviceBytes?: number;
  /** Per-round ratio of this peer's median step time to @peft's (absent for @peft). */
  readonly vsPeft?: Spread;
  readonly steps?: number;
  readonly loss?: number;
  /** Why this peer has no numbers (it failed to load or to step). */
  readonly error?: string;
}

const PYTHON = process.env.PYTHON ?? 'python3';
const PEFT_CHILD = fileURLToPath(new URL('./peft-child.ts', import.meta.url));
const TORCH_CHILD = fileURLToPath(new URL('../peers/real_models_step.py', import.meta.url));
const NO_4BIT = 'pytorch cpu: no QLoRA row (bitsandbytes 4-bit layers need a GPU; PyTorch has no 4-bit CPU path)';
const info = (msg: string) => console.error(msg);

interface PeerMaker {
  readonly name: string;
  make(): Promise<Peer>;
}

let checkpointing = false;

function childWorkload(folder: string, w: RealWorkload, qlora = false, weights: 'auto' | 'f32' = 'auto'): string {
  return JSON.stringify({ folder, batch: w.batch, seq: w.seq, lr: w.lr, weightDecay: w.weightDecay, qlora, weights, checkpointing });
}

/** Starts the peers, warms them up and times them in interleaved rounds; a peer that fails becomes an error row. */
async function measureModel(model: string, workload: 'lora' | 'qlora', makers: readonly PeerMaker[], w: RealWorkload, rounds: number): Promise<RealModelsRow[]> {
  const rows: RealModelsRow[] = [];
  const peers: Peer[] = [];
  const failed = (peer: string, e: unknown) => rows.push({ model, workload, peer, device: '', error: e instanceof Error ? e.message : String(e) });
  try {
    for (const m of makers) {
      info(`real-models: ${model} ${workload}: loading ${m.name}…`);
      try {
        const p = await m.make();
        await p.trainSteps(w.warmup);
        peers.push(p);
      } catch (e) {
        failed(m.name, e);
      }
    }
    if (peers.length === 0) return rows;
    info(`real-models: ${model} ${workload}: ${rounds} rounds of ${w.stepsPerRound} steps per peer…`);
    let times: number[][][];
    try {
      times = await interleave(peers, rounds, (p) => p.trainSteps(w.stepsPerRound));
    } catch (e) {
      for (const p of peers) failed(p.name, e);
      return rows;
    }
    const ours = peers[0].name.startsWith('@peft') ? times[0] : undefined;
    peers.forEach((p, i) => {
      const all = times[i].flat();
      const ms = spread(all);
      const mem = p.memory?.();
      rows.push({
        model,
        workload,
        peer: p.name,
        device: p.device,
        ms,
        tokensPerS: (w.batch * w.seq) / (ms.median / 1000),
        peakRssBytes: mem?.peakRssBytes,
        peakDeviceBytes: mem?.peakDeviceBytes,
        vsPeft: ours && i > 0 ? spread(roundRatios(times[i], ours)) : undefined,
        steps: all.length,
        loss: p.lastLoss(),
      });
    });
    return rows;
  } finally {
    for (const p of peers) await p.close();
  }
}

/** Runs the benchmark and returns its rows. */
export async function runRealModels(opts: RealModelsOptions): Promise<RealModelsRow[]> {
  const w = opts.quick ? QUICK : FULL;
  const rounds = opts.rounds ?? w.rounds;
  checkpointing = opts.gradientCheckpointing === true;
  const started = new Date();
  const load0 = loadavg()[0];
  const skipped: string[] = [];
  const noTorch = torchUnavailable(PYTHON, ['torch', 'transformers', 'peft']);
  if (noTorch) skipped.push(`pytorch cpu skipped: ${noTorch}`);
  const node = (folder: string, qlora = false): PeerMaker => ({
    name: qlora ? '@peft webgpu qlora' : '@peft webgpu',
    make: () => createChildPeer(qlora ? '@peft webgpu qlora' : '@peft webgpu', process.execPath, ['--conditions=@peft/source', '--import', 'tsx', PEFT_CHILD, childWorkload(folder, w, qlora)]),
  });
  const wide = (folder: string): PeerMaker => ({
    name: '@peft webgpu f32 weights',
    make: () => createChildPeer('@peft webgpu f32 weights', process.execPath, ['--conditions=@peft/source', '--import', 'tsx', PEFT_CHILD, childWorkload(folder, w, false, 'f32')]),
  });
  const baselineChild = opts.baseline ? join(resolve(opts.baseline), 'bench/real-models/peft-child.ts') : undefined;
  if (baselineChild && !existsSync(baselineChild)) throw new Error(`real-models --baseline: ${baselineChild} does not exist (expected a checkout of this repository with its dependencies installed)`);
  const baseline = (folder: string): PeerMaker => ({
    name: '@peft baseline',
    make: () => createChildPeer('@peft baseline', process.execPath, ['--conditions=@peft/source', '--import', 'tsx', baselineChild!, childWorkload(folder, w)]),
  });
  const torch = (folder: string): PeerMaker => ({ name: 'pytorch cpu', make: () => createChildPeer('pytorch cpu', PYTHON, [TORCH_CHILD, childWorkload(folder, w)]) });

  const rows: RealModelsRow[] = [];
  const models = selectModels(opts.models);
  for (const m of models) {
    const missing = missingCheckpoint(m.name);
    if (missing) {
      skipped.push(`${m.name} skipped: ${missing}`);
      info(`real-models: ${m.name} skipped: ${missing}`);
      continue;
    }
    const folder = modelFolder(m.name);
    const makers = [node(folder), ...(baselineChild ? [baseline(folder)] : []), ...(opts.f32Weights ? [wide(folder)] : []), ...(noTorch ? [] : [torch(folder)])];
    rows.push(...(await measureModel(m.name, 'lora', makers, w, rounds)));
  }
  if (models.some((m) => m.name === QLORA_MODEL) && !missingCheckpoint(QLORA_MODEL)) {
    rows.push(...(await measureModel(QLORA_MODEL, 'qlora', [node(modelFolder(QLORA_MODEL), true)], w, rounds)));
    skipped.push(NO_4BIT);
  }
  const load: [number, number] = [load0, loadavg()[0]];
  print(rows, w, rounds, skipped, load, opts.json);
  const file = writeResults(started, rows.map(flatRow), { realModels: true, quick: opts.quick, workload: w, rounds, skipped, load });
  info(`\nreal-models: results written to ${file}`);
  return rows;
}

const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : Math.round(bytes / 2 ** 20));

/** A row as plain fields, for JSON lines and the results file. */
function flatRow(r: RealModelsRow): { bench: string; backend: string; adapter: string } & Record<string, number | string> {
  const out: { bench: string; backend: string; adapter: string } & Record<string, number | string> = {
    bench: 'real-models',
    backend: r.peer,
    adapter: r.device,
    model: r.model,
    workload: r.workload,
  };
  if (r.error !== undefined) return { ...out, error: r.error };
  if (r.ms) Object.assign(out, { msMin: Number(fmt(r.ms.min)), msMedian: Number(fmt(r.ms.median)), msMax: Number(fmt(r.ms.max)) });
  if (r.tokensPerS !== undefined) out.tokensPerS = Number(fmt(r.tokensPerS));
  if (r.peakRssBytes !== undefined) out.peakRssMB = mb(r.peakRssBytes)!;
  if (r.peakDeviceBytes !== undefined) out.peakDeviceMB = mb(r.peakDeviceBytes)!;
  if (r.vsPeft) Object.assign(out, { vsPeftMin: Number(fmt(r.vsPeft.min)), vsPeftMedian: Number(fmt(r.vsPeft.median)), vsPeftMax: Number(fmt(r.vsPeft.max)) });
  if (r.steps !== undefined) out.steps = r.steps;
  if (r.loss !== undefined && Number.isFinite(r.loss)) out.loss = Number(fmt(r.loss));
  return out;
}

function print(rows: readonly RealModelsRow[], w: RealWorkload, rounds: number, skipped: readonly string[], load: [number, number], json: boolean): void {
  if (json) {
    for (const r of rows) console.log(JSON.stringify(flatRow(r)));
    return;
  }
  console.log(
    `\nreal-models: LoRA r 8 on q,v (GPT-2: c_attn), AdamW, batch ${w.batch} × ${w.seq}, gradient checkpointing ${checkpointing ? 'on' : 'off'}; ${rounds} interleaved rounds of ${w.stepsPerRound} steps after ${w.warmup} warm-up; ` +
      `${cpus()[0]?.model.trim() ?? 'unknown CPU'} x${cpus().length}, load average ${load.map((l) => l.toFixed(1)).join(' → ')}`,
  );
  console.log('| model | workload | peer | ms/step min / median / max | tokens/s | peak RSS MB | peak device MB | peer ÷ @peft (min / median / max) | loss |');
  console.log('| --- | --- | --- | --- | ---: | ---: | ---: | --- | ---: |');
  for (const r of rows) {
    if (r.error !== undefined) {
      console.log(`| ${r.model} | ${r.workload} | ${r.peer} | failed: ${r.error.split('\n')[0].slice(0, 200)} | | | | | |`);
      continue;
    }
    const ratio = r.vsPeft ? `${fmt(r.vsPeft.min)} / **${fmt(r.vsPeft.median)}** / ${fmt(r.vsPeft.max)}` : r.peer.startsWith('@peft') ? '1' : '';
    const ms = r.ms ? `${fmt(r.ms.min)} / **${fmt(r.ms.median)}** / ${fmt(r.ms.max)}` : '';
    console.log(`| ${r.model} | ${r.workload} | ${r.peer} | ${ms} | ${r.tokensPerS === undefined ? '' : fmt(r.tokensPerS)} | ${mb(r.peakRssBytes) ?? ''} | ${mb(r.peakDeviceBytes) ?? ''} | ${ratio} | ${r.loss === undefined ? '' : fmt(r.loss)} |`);
  }
  const devices = new Map(rows.filter((r) => r.device).map((r) => [r.peer, r.device]));
  for (const [p, d] of devices) console.log(`${p}: ${d}`);
  console.log("ratios: per round, the peer's median step time over @peft's (above 1: @peft is faster)");
  console.log('peak RSS MB: the process\'s peak resident set, loading included; peak device MB: the most bytes @peft tensors held at once during the training steps');
  console.log('(on a software adapter such as lavapipe device buffers live in host memory, so the RSS includes them)');
  for (const s of skipped) console.log(s);
  if (rows.length === 0) console.log(`no checkpoints: create them with \`${CREATE_COMMAND}\``);
}
