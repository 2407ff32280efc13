/**
 * The @peft side of `pnpm bench real-models`, one process per model so that its peak memory is its
 * own: loads a checkpoint of tools/real-models.py on WebGPU with its LoRA adapter (or, with
 * `"qlora": true`, on an NF4 base) and answers the protocol of ../side-by-side/child-peer.ts on
 * stdout, `train N` only, each reply with the process's peak resident set (loading included) and
 * the backend's peak tensor bytes during the training steps (loading not included). Run from the repository root:
 * `node --conditions=@peft/source --import tsx bench/real-models/peft-child.ts '{"folder":…,"batch":4,"seq":128,…}'`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { initBackend, releaseNodeGPU } from '../../packages/core/src/node.js';
import { type LoraSession, openLoraSession } from './lora-session.js';
import { tokenIds } from './workload.js';

interface ChildWorkload {
  readonly folder: string;
  readonly batch: number;
  readonly seq: number;
  readonly lr: number;
  readonly weightDecay: number;
  readonly qlora?: boolean;
  /** The weight dtype at load (`auto`: the checkpoint's bf16; `f32`: widened). */
  readonly weights?: 'auto' | 'f32';
  /** Gradient checkpointing on. */
  readonly checkpointing?: boolean;
}

const say = (msg: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const w = JSON.parse(process.argv[2] ?? '{}') as ChildWorkload;

function cause(e: unknown): string {
  let err: unknown = e;
  while (err instanceof Error && err.cause instanceof Error) err = err.cause;
  return err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
}

let session: LoraSession;
const backend = await initBackend({ prefer: 'webgpu', requireWebGPU: true }).catch((e: unknown) => {
  say({ error: `no WebGPU adapter: ${cause(e)}` });
  process.exit(1);
});
try {
  session = await openLoraSession(w.folder, backend, { qlora: w.qlora, weights: w.weights, checkpointing: w.checkpointing, adamw: { lr: w.lr, weightDecay: w.weightDecay } });
} catch (e) {
  say({ error: `load: ${cause(e)}` });
  process.exit(1);
}
// the peak from here on: the training steps (loading holds the f32 weights, before NF4 quantisation for QLoRA)
backend.resetPeak();
const vocab = (JSON.parse(readFileSync(join(w.folder, 'config.json'), 'utf8')) as { vocab_size: number }).vocab_size;
const ids = tokenIds(vocab, w.batch, w.seq);
let loss = Number.NaN;
say({ device: `${backend.description}${w.qlora ? ', NF4 base' : w.weights === 'f32' ? ', f32 weights' : ', bf16 weights'}` });
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, n] = line.trim().split(/\s+/);
  if (cmd === 'quit') break;
  if (cmd !== 'train') {
    say({ error: `unknown command ${JSON.stringify(line)} (this peer only trains)` });
    continue;
  }
  try {
    const ms: number[] = [];
    for (let i = 0; i < Number(n); i++) {
      const t0 = performance.now();
      loss = await session.step(ids);
      ms.push(performance.now() - t0);
    }
    say({ ms, loss, peakRssBytes: process.resourceUsage().maxRSS * 1024, peakDeviceBytes: backend.memory().peakBytes });
  } catch (e) {
    say({ error: cause(e) });
  }
}
session.dispose();
backend.destroy();
releaseNodeGPU();
process.exit(0);
