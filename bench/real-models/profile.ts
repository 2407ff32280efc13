/**
 * `pnpm bench real-models --profile [--quick] [--models a,b]`: where one real-size LoRA training step
 * spends its time on WebGPU. For each model, after a warm-up step, one step is timed on the wall clock
 * (host and device together, ending when the loss is read back) and one step is profiled per kernel
 * family (GPU timestamps where the adapter has `timestamp-query`, else a submit and wait per dispatch).
 * The table gives each family's milliseconds, dispatches and share of the kernels' sum; the kernels'
 * sum beside the wall time shows what the host adds (recording, pipeline and bind-group lookups,
 * submission). Writes the run to bench/results/.
 */
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebGPUBackend } from '../../packages/core/src/backend.js';
import { initBackend } from '../../packages/core/src/node.js';
import { writeResults } from '../report.js';
import { fmt } from '../side-by-side/stats.js';
import { CREATE_COMMAND, QLORA_MODEL, missingCheckpoint, modelFolder, selectModels } from './checkpoints.js';
import { openLoraSession } from './lora-session.js';
import { FULL, QUICK, tokenIds } from './workload.js';

/** One model's profile: the wall time of a step and its kernel families. */
export interface StepProfile {
  readonly model: string;
  readonly wallMs: number;
  readonly kernelMs: number;
  readonly method: string;
  readonly entries: readonly { family: string; ms: number; dispatches: number }[];
}

/** Profiles one LoRA step per model (the checkpoints of tools/real-models.py), in this process. */
export async function profileRealModels(opts: { quick: boolean; models?: string; json: boolean }): Promise<StepProfile[]> {
  const w = opts.quick ? QUICK : FULL;
  const started = new Date();
  const backend = await initBackend({ prefer: 'webgpu', requireWebGPU: true });
  if (!(backend instanceof WebGPUBackend)) throw new Error('real-models --profile needs the WebGPU backend');
  const out: StepProfile[] = [];
  for (const m of selectModels(opts.models)) {
    if (m.name === QLORA_MODEL && !opts.models) continue; // a 1B step takes minutes here: only when named
    const missing = missingCheckpoint(m.name);
    if (missing) {
      console.error(`real-models --profile: ${m.name} skipped: ${missing}`);
      continue;
    }
    const folder = modelFolder(m.name);
    const vocab = (JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;
    const ids = tokenIds(vocab, w.batch, w.seq);
    console.error(`real-models --profile: ${m.name}: loading…`);
    const session = await openLoraSession(folder, backend, { adamw: { lr: w.lr, weightDecay: w.weightDecay } });
    await session.step(ids);
    const t0 = performance.now();
    await session.step(ids);
    const wallMs = performance.now() - t0;
    backend.startProfile();
    await session.step(ids);
    const p = (await backend.stopProfile())!;
    session.dispose();
    out.push({ model: m.name, wallMs, kernelMs: p.totalMs, method: p.method, entries: p.entries.map((e) => ({ family: e.family, ms: e.ms, dispatches: e.dispatches })) });
  }
  if (opts.json) for (const p of out) console.log(JSON.stringify(p));
  else print(out, w.batch, w.seq);
  if (out.length === 0) console.log(`no checkpoints: create them with \`${CREATE_COMMAND}\``);
  const rows = out.flatMap((p) => p.entries.map((e) => ({ bench: 'real-models-profile', backend: '@peft webgpu', adapter: backend.description, model: p.model, family: e.family, ms: Number(fmt(e.ms)), dispatches: e.dispatches })));
  const file = writeResults(started, rows, { realModelsProfile: true, quick: opts.quick, workload: w, steps: out.map((p) => ({ model: p.model, wallMs: p.wallMs, kernelMs: p.kernelMs, method: p.method })) });
  console.error(`\nreal-models --profile: results written to ${file}`);
  return out;
}

function print(profiles: readonly StepProfile[], batch: number, seq: number): void {
  console.log(`\nreal-models --profile: one LoRA r 8 step (q,v; GPT-2: c_attn), AdamW, batch ${batch} × ${seq}; ${cpus()[0]?.model.trim() ?? 'unknown CPU'} x${cpus().length}, load average ${loadavg()[0].toFixed(1)}`);
  for (const p of profiles) {
    console.log(`\n${p.model}: step ${fmt(p.wallMs)} ms on the wall clock; kernels ${fmt(p.kernelMs)} ms (${p.method}); host and waiting ≈ ${fmt(Math.max(0, p.wallMs - p.kernelMs))} ms`);
    console.log('| kernel family | ms | dispatches | share |');
    console.log('| --- | ---: | ---: | ---: |');
    const shown = p.entries.slice(0, 15);
    for (const e of shown) console.log(`| ${e.family} | ${fmt(e.ms)} | ${e.dispatches} | ${((100 * e.ms) / p.kernelMs).toFixed(1)}% |`);
    const rest = p.entries.slice(15);
    if (rest.length) {
      const ms = rest.reduce((a, e) => a + e.ms, 0);
      console.log(`| ${rest.length} other families | ${fmt(ms)} | ${rest.reduce((a, e) => a + e.dispatches, 0)} | ${((100 * ms) / p.kernelMs).toFixed(1)}% |`);
    }
  }
}
