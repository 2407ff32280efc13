import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, MethodRegistry, createCpuBackend, getPeftModel, manualSeed, tensor } from '@peft/core';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { checkpointFileStore } from './checkpoint-file-store.js';
import { memoryCheckpointStore } from './checkpoint-store.js';
import { countingExamples } from './test-support/counting-examples.js';
import { batchSource } from './prepare-data.js';
import { Trainer } from './trainer.js';
import type { TrainingArgs } from './training-args.js';

const backend = createCpuBackend();
const registry = new MethodRegistry();
registry.register(lora);
const adapters = new Map([
  ['default', { config: '{"peft_type": "LORA"}', weights: new Uint8Array([1, 2, 3]) }],
  ['other', { config: '{"peft_type": "LORA", "r": 2}', weights: new Uint8Array([4]) }],
]);
const contents = (step: number) => ({
  params: new Map([['w', tensor([step, -2], { backend })]]),
  optimizer: { tensors: new Map([['state.0.expAvg', tensor([0.25, 0.5], { backend })]]), meta: { numbers: { 0: { step } } } },
  hooks: new Map(),
  state: { global_step: step },
});

describe('memoryCheckpointStore', () => {
  it('keeps each checkpoint as the same files a folder holds and reads the values back', async () => {
    const store = memoryCheckpointStore();
    const path = await store.save(3, contents(3), adapters);
    expect(path).toBe('checkpoint-3');
    expect([...store.files(path)!.keys()].sort()).toEqual(
      ['adapter_config.json', 'adapter_model.safetensors', 'optimizer.safetensors', 'other/adapter_config.json', 'other/adapter_model.safetensors', 'trainable_params.safetensors', 'training_hooks.safetensors', 'trainer_state.json'].sort(),
    );
    expect(new TextDecoder().decode(store.files(path)!.get('other/adapter_config.json'))).toBe('{"peft_type": "LORA", "r": 2}');
    const back = await store.load(path, backend);
    expect(Array.from(await back.params.get('w')!.data())).toEqual([3, -2]);
    expect(back.optimizer.meta).toEqual({ numbers: { 0: { step: 3 } } });
    expect(back.state.global_step).toBe(3);
  });

  it('lists checkpoints by step, prunes the oldest and names a missing one', async () => {
    const store = memoryCheckpointStore();
    for (const step of [10, 2, 6]) await store.save(step, contents(step), adapters);
    expect((await store.list()).map((c) => c.step)).toEqual([2, 6, 10]);
    await store.prune(2);
    expect((await store.list()).map((c) => c.path)).toEqual(['checkpoint-6', 'checkpoint-10']);
    await expect(store.load('checkpoint-2')).rejects.toThrow(ConfigError);
    await expect(store.load('checkpoint-2')).rejects.toThrow(/no checkpoint "checkpoint-2" in memory \(saved: checkpoint-6, checkpoint-10\)/);
  });
});

describe('checkpointFileStore', () => {
  it('writes a non-default adapter into a folder of its name, as saveAdapter does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-store-'));
    const store = checkpointFileStore(dir);
    const path = await store.save(4, contents(4), adapters);
    expect(readdirSync(join(path, 'other')).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    expect((await store.list()).map((c) => c.step)).toEqual([4]);
    expect((await store.load(path, backend)).state.global_step).toBe(4);
  });
});

describe('a Trainer with a memory checkpoint store', () => {
  it('resumes with exactly the losses of an uninterrupted run, touching no file', async () => {
    const args: Partial<TrainingArgs> = { learningRate: 1e-2, maxSteps: 6, perDeviceTrainBatchSize: 4, lrSchedulerType: 'linear', saveSteps: 3, seed: 5 };
    const train = countingExamples(12, 8, 2);
    const run = async (store: ReturnType<typeof memoryCheckpointStore>, stopAt?: number, resume?: string) => {
      manualSeed(11);
      const peft = await getPeftModel(createTinyModel('gpt2', backend, 3), loraConfig({ r: 4, loraAlpha: 8, loraDropout: 0.1, targetModules: ['c_attn'] }), { registry, warn: () => {} });
      const trainer = new Trainer(peft, {
        args,
        train: batchSource(train, { batchSize: 4, shuffle: true, seed: 5 }),
        checkpoints: store,
        callbacks: { onStep: (s) => { if (s.step === stopAt) throw new Error('stop'); } },
      });
      return trainer.train(resume ? { resumeFrom: resume } : undefined);
    };
    const whole = await run(memoryCheckpointStore());
    const store = memoryCheckpointStore();
    await expect(run(store, 5)).rejects.toThrow('stop');
    expect((await store.list()).map((c) => c.path)).toEqual(['checkpoint-3']);
    expect(store.files('checkpoint-3')!.has('adapter_model.safetensors')).toBe(true);
    const resumed = await run(store, undefined, 'latest');
    expect(resumed.losses).toEqual(whole.losses.slice(3));
  });
});
