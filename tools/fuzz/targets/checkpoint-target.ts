import { MethodRegistry, createCpuBackend, getPeftModel, manualSeed } from '../../../packages/core/src/index.js';
import { lora, loraConfig } from '../../../packages/lora/src/index.js';
import { createModel } from '../../../packages/models/src/index.js';
import { type CheckpointStore, Trainer, batchSource, decodeCheckpoint, memoryCheckpointStore } from '../../../packages/train/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { mutateBytes, mutateJson } from '../fuzz-random.js';
import { seedText, sizeOf } from './seed-files.js';

const examples = Array.from({ length: 8 }, (_, i) => {
  const ids = Array.from({ length: 8 }, (_, k) => 2 + ((i * 5 + k) % 60));
  return { inputIds: ids, attentionMask: ids.map(() => 1), labels: ids };
});
const args = { maxSteps: 3, saveSteps: 2, perDeviceTrainBatchSize: 4, learningRate: 1e-2, seed: 1 };

/**
 * Training checkpoints (trainer state, trainable parameters, optimizer state, hook state, adapter
 * files) written by a real two-step LoRA run, with one file mutated, resumed by the Trainer
 * (`train({ resumeFrom: 'latest' })`, one more step after the restore).
 *
 * @example
 * ```ts
 * await runFuzzTarget(checkpointTarget, { seed: 1, count: 100 });
 * ```
 */
export const checkpointTarget: FuzzTarget = {
  name: 'checkpoint',
  description: 'checkpoint-<step>/ files → Trainer.train({ resumeFrom }) (LoRA on GPT-2)',
  async prepare() {
    const backend = createCpuBackend();
    const registry = new MethodRegistry();
    registry.register(lora);
    const config = JSON.parse(await seedText('packages/models/test/fixtures/gpt2/config.json')) as Record<string, unknown>;
    const peftModel = async () => {
      manualSeed(3);
      return getPeftModel(createModel(config, { backend }), loraConfig({ r: 4, loraAlpha: 8, targetModules: ['c_attn'] }), { registry, warn: () => undefined });
    };
    const trainer = async (checkpoints: CheckpointStore) =>
      new Trainer(await peftModel(), { args, train: batchSource(examples, { batchSize: 4, shuffle: true, seed: 1 }), checkpoints });
    const written = memoryCheckpointStore();
    await (await trainer(written)).train();
    const seed = new Map(written.files('checkpoint-2'));
    const names = [...seed.keys()];
    return (r) => {
      const files = new Map(seed);
      const name = r.chance(0.03) ? 'clean' : r.pick(names);
      if (name !== 'clean') {
        const bytes = files.get(name)!;
        files.set(name, name.endsWith('.json') ? new TextEncoder().encode(mutateJson(r, new TextDecoder().decode(bytes))) : mutateBytes(r, bytes));
      }
      const store: CheckpointStore = {
        label: 'fuzz',
        save: () => Promise.resolve('checkpoint-3'),
        load: (path, b) => decodeCheckpoint((n) => Promise.resolve(files.get(n) ?? new Uint8Array()), path, b),
        list: () => Promise.resolve([{ step: 2, path: 'checkpoint-2' }]),
        prune: () => Promise.resolve(),
        removeStale: () => Promise.resolve([]),
      };
      return {
        kind: name,
        bytes: sizeOf(...files.values()),
        run: async () => {
          await (await trainer(store)).train({ resumeFrom: 'latest' });
        },
      };
    };
  },
};
