/**
 * Parity of @peft with transformers + PEFT on real-size checkpoints (issue #21).
 *
 * `node --conditions=@peft/source --import tsx tools/real-models-parity.ts [--models a,b] [--backend webgpu|cpu]… [--json]`
 *
 * For each checkpoint that tools/real-models.py wrote (GPT-2 small, SmolLM2-135M, Qwen2.5-0.5B,
 * Llama-3.2-1B shapes; bf16 weights, under $PEFT_REAL_MODELS or /tmp/peft-real-models) and each
 * backend (WebGPU and the CPU reference by default) it loads the model with `loadPretrained` and its
 * LoRA adapter with `PeftModel.fromPretrained`, then compares with reference.json (dropout off on
 * both sides: GPT-2's config has 0.1):
 *  - the logits of the base model (adapter disabled) and with the adapter, at the kept positions and
 *    vocabulary columns, and the log-sum-exp of each kept row: max |Δ| / max(1, max |ref|) ≤ 1e-4;
 *  - the loss of the first LoRA step: |Δ| ≤ 1e-5 · |ref|;
 *  - the loss after one AdamW step on the adapter: |Δ| ≤ 1e-4 · |ref| (Adam's first update is
 *    about ±lr for every weight, whatever its gradient's size, so rounding shows more here).
 * Prints a table; a model that fails to load is a row with the error. Exits 1 when any row is not ok.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { type Backend, createCpuBackend } from '../packages/core/src/index.js';
import { initBackend, releaseNodeGPU } from '../packages/core/src/node.js';
import { type ReferenceRow, missingCheckpoint, modelFolder, readReference, selectModels } from '../bench/real-models/checkpoints.js';
import { openLoraSession } from '../bench/real-models/lora-session.js';

/** The tolerances stated above. */
const TOL = { logits: 1e-4, loss: 1e-5, lossAfterStep: 1e-4 } as const;

const { values: flags } = parseArgs({
  options: {
    models: { type: 'string' },
    backend: { type: 'string', multiple: true },
    json: { type: 'boolean', default: false },
  },
});

interface ParityRow {
  model: string;
  backend: string;
  status: 'ok' | 'MISMATCH' | 'ERROR' | 'skipped';
  loadS?: number;
  peakDeviceMB?: number;
  logitsBase?: number;
  logitsAdapter?: number;
  loss?: number;
  lossRef?: number;
  lossAfterStep?: number;
  lossAfterStepRef?: number;
  stepS?: number;
  note?: string;
}

function rootCause(e: unknown): string {
  let err: unknown = e;
  while (err instanceof Error && err.cause instanceof Error) err = err.cause;
  const msg = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
  return msg.split('\n')[0].slice(0, 300);
}

/** max |Δ| / max(1, max |ref|) over the kept columns and the log-sum-exp of each kept row. */
function logitsError(got: Float32Array, ref: readonly ReferenceRow[], columns: readonly number[], seq: number, vocab: number): number {
  let worst = 0;
  for (const r of ref) {
    const base = (r.row * seq + r.position) * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, got[base + v]);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(got[base + v] - max);
    const lse = max + Math.log(sum);
    const scale = Math.max(1, ...r.values.map(Math.abs), Math.abs(r.logsumexp));
    let d = Math.abs(lse - r.logsumexp);
    columns.forEach((c, i) => (d = Math.max(d, Math.abs(got[base + c] - r.values[i]))));
    worst = Math.max(worst, d / scale);
  }
  return worst;
}

async function check(name: string, backendName: string, backend: Backend): Promise<ParityRow> {
  const missing = missingCheckpoint(name);
  if (missing) return { model: name, backend: backendName, status: 'skipped', note: missing };
  const ref = readReference(name);
  const ids = ref.input_ids;
  const seq = ids[0].length;
  const a = ref.adamw;
  backend.resetPeak();
  let session;
  try {
    session = await openLoraSession(modelFolder(name), backend, { noDropout: true, adamw: { lr: a.lr, weightDecay: a.weight_decay, betas: a.betas, eps: a.eps } });
  } catch (e) {
    return { model: name, backend: backendName, status: 'ERROR', note: `load: ${rootCause(e)}` };
  }
  try {
    const base = await session.logits(ids, { base: true });
    const vocab = base.length / (ids.length * seq);
    const logitsBase = logitsError(base, ref.base_logits, ref.columns, seq, vocab);
    const logitsAdapter = logitsError(await session.logits(ids), ref.adapter_logits, ref.columns, seq, vocab);
    const t0 = performance.now();
    const loss = await session.step(ids);
    const stepS = (performance.now() - t0) / 1000;
    const lossAfterStep = await session.loss(ids);
    const ok =
      logitsBase <= TOL.logits &&
      logitsAdapter <= TOL.logits &&
      Math.abs(loss - ref.loss_first_step) <= TOL.loss * Math.abs(ref.loss_first_step) &&
      Math.abs(lossAfterStep - ref.loss_after_one_step) <= TOL.lossAfterStep * Math.abs(ref.loss_after_one_step);
    return {
      model: name,
      backend: backendName,
      status: ok ? 'ok' : 'MISMATCH',
      loadS: session.loadSeconds,
      peakDeviceMB: backend.memory().peakBytes / 2 ** 20,
      logitsBase,
      logitsAdapter,
      loss,
      lossRef: ref.loss_first_step,
      lossAfterStep,
      lossAfterStepRef: ref.loss_after_one_step,
      stepS,
    };
  } catch (e) {
    return { model: name, backend: backendName, status: 'ERROR', loadS: session.loadSeconds, note: `run: ${rootCause(e)}` };
  } finally {
    session.dispose();
  }
}

const g = (x: number | undefined, digits = 3) => (x === undefined ? '' : x === 0 ? '0' : Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toFixed(digits));

function print(rows: readonly ParityRow[]): void {
  console.log(`\nreal-models parity: @peft vs transformers + PEFT (f32 on bf16 weights); ${cpus()[0]?.model.trim() ?? ''} x${cpus().length}`);
  console.log(`tolerances: logits max|Δ|/max(1,|ref|) ≤ ${TOL.logits}; first-step loss |Δ|/|ref| ≤ ${TOL.loss}; loss after one AdamW step |Δ|/|ref| ≤ ${TOL.lossAfterStep}\n`);
  console.log('| model | backend | status | load s | peak device MB | logits Δ base | logits Δ adapter | loss (ref; rel Δ) | loss after step (ref; rel Δ) | step s |');
  console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- | ---: |');
  for (const r of rows) {
    const rel = (x: number, ref: number) => `${x.toFixed(6)} (${ref.toFixed(6)}; Δ ${g(Math.abs(x - ref) / Math.abs(ref))})`;
    const loss = r.loss === undefined ? '' : rel(r.loss, r.lossRef!);
    const after = r.lossAfterStep === undefined ? '' : rel(r.lossAfterStep, r.lossAfterStepRef!);
    console.log(`| ${r.model} | ${r.backend} | ${r.status} | ${g(r.loadS, 1)} | ${g(r.peakDeviceMB, 0)} | ${g(r.logitsBase)} | ${g(r.logitsAdapter)} | ${loss} | ${after} | ${g(r.stepS, 1)} |`);
  }
  for (const r of rows) if (r.note) console.log(`${r.model} on ${r.backend}: ${r.note}`);
}

const wanted = flags.backend ?? ['webgpu', 'cpu'];
const backends: [string, Backend][] = [];
if (wanted.includes('webgpu')) backends.push(['webgpu', await initBackend({ prefer: 'webgpu', requireWebGPU: true })]);
if (wanted.includes('cpu')) backends.push(['cpu', createCpuBackend()]);
const rows: ParityRow[] = [];
for (const m of selectModels(flags.models)) {
  for (const [name, backend] of backends) {
    console.error(`real-models parity: ${m.name} on ${name}…`);
    const row = await check(m.name, name, backend);
    if (flags.json) console.log(JSON.stringify(row));
    else console.error(`  ${row.status}${row.note ? `: ${row.note}` : ''}`);
    rows.push(row);
  }
}
for (const [, b] of backends) b.destroy();
releaseNodeGPU();
if (!flags.json) print(rows);
process.exit(rows.every((r) => r.status === 'ok' || r.status === 'skipped') ? 0 : 1);
