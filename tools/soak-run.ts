import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { type Backend, MethodRegistry, getPeftModel, manualSeed } from '../packages/core/src/index.js';
import { lora, loraConfig } from '../packages/lora/src/index.js';
import { loadPretrained } from '../packages/models/src/index.js';
import { directorySource } from '../packages/models/src/node.js';
import { Trainer, batchSource } from '../packages/train/src/index.js';

/** One sample of the soak: device memory from `backend.memory()`, JS heap after a full collection. @example `{ step: 50, liveBuffers: 212, … }` */
export interface SoakSample {
  readonly step: number;
  readonly liveBuffers: number;
  readonly liveMiB: number;
  readonly pooledBuffers: number;
  readonly pooledMiB: number;
  readonly heapMiB: number;
  /** Resident set size of the process (MiB): Dawn's and the driver's memory, which the heap does not show. */
  readonly rssMiB: number;
  readonly loss: number;
  readonly msPerStep: number;
}

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 100) / 100;

/** A full garbage collection (exposed at run time, so no `--expose-gc` flag is needed). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** What a soak trains: the model folder, how long, the batch, and the LoRA targets. @example `{ model: 'packages/cli/assets/base-model', steps: 1000, every: 50 }` */
export interface SoakOptions {
  readonly model: string;
  readonly steps: number;
  readonly every: number;
  /** Rows per batch (4). */
  readonly batchSize?: number;
  /** Tokens per row (32). */
  readonly length?: number;
  /** LoRA's target modules (GPT-2's `c_attn`, `c_proj`, `c_fc`); `['q_proj', 'v_proj']` for a LLaMA-family model. */
  readonly targetModules?: readonly string[];
  /** LoRA's rank (8). */
  readonly r?: number;
  /** LoRA's dropout (0.05). */
  readonly dropout?: number;
  /** Recompute activations in the backward pass (off). */
  readonly gradientCheckpointing?: boolean;
}

/**
 * Trains LoRA (by default r 8 on c_attn, c_proj, c_fc of a small GPT-2) with the Trainer for `steps`
 * steps of random token rows, and samples the backend's live and pooled buffers, the JS heap (after a
 * full collection) and the process's resident memory every `every` steps.
 *
 * @example
 * ```ts
 * const samples = await runSoak(backend, { model: 'packages/cli/assets/base-model', steps: 1000, every: 50 });
 * ```
 */
export async function runSoak(backend: Backend, opts: SoakOptions): Promise<SoakSample[]> {
  const gc = collector();
  const registry = new MethodRegistry();
  registry.register(lora);
  const base = await loadPretrained(directorySource(opts.model), { backend });
  manualSeed(1);
  const peft = await getPeftModel(base, loraConfig({ r: opts.r ?? 8, loraAlpha: 2 * (opts.r ?? 8), loraDropout: opts.dropout ?? 0.05, targetModules: [...(opts.targetModules ?? ['c_attn', 'c_proj', 'c_fc'])] }), { registry, warn: () => undefined });
  const vocab = base.info.vocabSize;
  const length = opts.length ?? 32;
  let s = 7;
  const examples = Array.from({ length: 64 }, () => {
    const ids = Array.from({ length }, () => (s = (s * 1103515245 + 12345) % 2147483648) % vocab);
    return { inputIds: ids, attentionMask: ids.map(() => 1), labels: ids };
  });
  const samples: SoakSample[] = [];
  let last = performance.now();
  let lastStep = 0;
  const trainer = new Trainer(peft, {
    args: { maxSteps: opts.steps, learningRate: 1e-3, perDeviceTrainBatchSize: opts.batchSize ?? 4, loggingSteps: opts.every, seed: 3, gradientCheckpointing: opts.gradientCheckpointing ?? false },
    train: batchSource(examples, { batchSize: opts.batchSize ?? 4, shuffle: true, seed: 3 }),
    callbacks: {
      onStep: ({ step, loss }) => {
        if (step % opts.every !== 0) return;
        gc();
        const m = backend.memory();
        const now = performance.now();
        samples.push({
          step,
          liveBuffers: m.liveBuffers,
          liveMiB: mib(m.liveBytes),
          pooledBuffers: m.pooledBuffers,
          pooledMiB: mib(m.pooledBytes),
          heapMiB: mib(process.memoryUsage().heapUsed),
          rssMiB: mib(process.memoryUsage.rss()),
          loss: Math.round(loss * 1e4) / 1e4,
          msPerStep: Math.round((now - last) / (step - lastStep)),
        });
        last = now;
        lastStep = step;
      },
    },
  });
  await trainer.train();
  for (const [, t] of peft.stateDict()) if (!t.isDisposed) t.dispose();
  return samples;
}

/**
 * Growth between the first sample after warm-up and the last: buffers (count) and heap (MiB).
 *
 * @example
 * ```ts
 * const { buffers, heapMiB } = soakGrowth(samples, 100);
 * ```
 */
export function soakGrowth(samples: readonly SoakSample[], warmupSteps: number): { buffers: number; liveMiB: number; heapMiB: number } {
  const after = samples.filter((x) => x.step >= warmupSteps);
  const first = after[0];
  const lastSample = after.at(-1)!;
  return {
    buffers: lastSample.liveBuffers + lastSample.pooledBuffers - (first.liveBuffers + first.pooledBuffers),
    liveMiB: Math.round((lastSample.liveMiB - first.liveMiB) * 100) / 100,
    heapMiB: Math.round((Math.max(...after.map((x) => x.heapMiB)) - first.heapMiB) * 100) / 100,
  };
}
