import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Backend, DEVICE_ERROR_ADVICE, DeviceError, createWebGPUBackend, MethodRegistry, getPeftModel, manualSeed } from '@peft/core';
import { nodeGPU } from '@peft/core/node';
import { testBackends, testWebGPU } from '@peft/core/testing';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import type { Example } from './data/example.js';
import { batchSource } from './prepare-data.js';
import { Trainer } from './trainer.js';
import type { TrainingArgs } from './training-args.js';

const backends = await testBackends();
const registry = new MethodRegistry();
registry.register(lora);

const examples: Example[] = Array.from({ length: 20 }, (_, i) => {
  const ids = Array.from({ length: 10 }, (_, k) => 2 + ((i * 7 + k) % 60));
  return { inputIds: ids, attentionMask: ids.map(() => 1), labels: ids };
});
const args: Partial<TrainingArgs> = { learningRate: 1e-2, maxSteps: 8, perDeviceTrainBatchSize: 4, gradientAccumulationSteps: 2, lrSchedulerType: 'linear', saveSteps: 4, seed: 5 };

async function run(backend: Backend, outputDir: string, failAtBatch?: { batch: number; error: DeviceError }, resume = false) {
  const base = createTinyModel('gpt2', backend, 3);
  manualSeed(11);
  const peft = await getPeftModel(base, loraConfig({ r: 4, loraAlpha: 8, loraDropout: 0.1, targetModules: ['c_attn', 'c_fc'] }), { registry, warn: () => {} });
  const source = batchSource(examples, { batchSize: 4, shuffle: true, seed: 5 });
  let batches = 0;
  const train = {
    ...source,
    collate: (rows: Parameters<typeof source.collate>[0], b: Backend) => {
      if (failAtBatch && ++batches === failAtBatch.batch) throw failAtBatch.error;
      return source.collate(rows, b);
    },
  };
  return new Trainer(peft, { args, train, outputDir }).train(resume ? { resumeFrom: 'latest' } : undefined);
}

const checkpoints = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('checkpoint-')).sort();

describe.each(backends)('Trainer after a device error on $name', ({ backend }) => {
  it('saves the last finished step when it ran out of memory before an update, and resumes from it exactly', async () => {
    const whole = await run(backend, mkdtempSync(join(tmpdir(), 'peft-oom-')));
    const dir = mkdtempSync(join(tmpdir(), 'peft-oom-'));
    // batch 13 is the first micro-batch of step 7 (two per step): steps 1…6 finished
    const oom = new DeviceError('OUT_OF_MEMORY', 'webgpu upload: out of memory');
    const failed = run(backend, dir, { batch: 13, error: oom });
    await expect(failed).rejects.toThrow(DeviceError);
    await expect(failed).rejects.toThrow(/^webgpu upload: out of memory\nTo fit: lower the batch size .*\n\(the trainer saved the last finished step, 6, to .*checkpoint-6; resume with trainer.train\(\{ resumeFrom: 'latest' \}\)/);
    expect(checkpoints(dir)).toEqual(['checkpoint-4', 'checkpoint-6']);
    const resumed = await run(backend, dir, undefined, true);
    expect(resumed.losses).toEqual(whole.losses.slice(6));
  });

  it('writes nothing after a device loss and says which checkpoint to resume from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-lost-'));
    const lost = new DeviceError('DEVICE_LOST', 'webgpu run: the device was lost (reason: unknown)');
    await expect(run(backend, dir, { batch: 13, error: lost })).rejects.toThrow(
      `webgpu run: the device was lost (reason: unknown)\n${DEVICE_ERROR_ADVICE.DEVICE_LOST}\n(no checkpoint was written now (the parameters were on the lost device); resume with trainer.train({ resumeFrom: 'latest' }) (peft train --resume) to continue from checkpoint-4)`,
    );
    expect(checkpoints(dir)).toEqual(['checkpoint-4']);
  });

  it('leaves other errors untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-other-'));
    const base = createTinyModel('gpt2', backend, 3);
    const peft = await getPeftModel(base, loraConfig({ r: 4, targetModules: ['c_attn'] }), { registry, warn: () => {} });
    const source = batchSource(examples, { batchSize: 4, shuffle: false, seed: 5 });
    const crash = new Error('a bug in a callback');
    const t = new Trainer(peft, { args, train: source, outputDir: dir, callbacks: { onStep: (s) => { if (s.step === 2) throw crash; } } });
    await expect(t.train()).rejects.toBe(crash);
    expect(checkpoints(dir)).toEqual([]);
  });
});

const gpus = (await testWebGPU()) ? [{ name: 'webgpu' }] : [];

describe.each(gpus)('Trainer on a real $name device that is lost mid-run', () => {
  it('stops with DEVICE_LOST naming the checkpoint to resume from, which then resumes exactly', async () => {
    // the uninterrupted run and the resume run on the shared WebGPU backend, the lost run on a device of its own
    const shared = backends.find((b) => b.name === 'webgpu')!.backend;
    const whole = await run(shared, mkdtempSync(join(tmpdir(), 'peft-lost-')));
    const gpu = await createWebGPUBackend({ gpu: nodeGPU() });
    const dir = mkdtempSync(join(tmpdir(), 'peft-lost-'));
    const base = createTinyModel('gpt2', gpu, 3);
    manualSeed(11);
    const peft = await getPeftModel(base, loraConfig({ r: 4, loraAlpha: 8, loraDropout: 0.1, targetModules: ['c_attn', 'c_fc'] }), { registry, warn: () => {} });
    const train = batchSource(examples, { batchSize: 4, shuffle: true, seed: 5 });
    // the device goes away after step 6 (as when a driver resets)
    const t = new Trainer(peft, { args, train, outputDir: dir, callbacks: { onStep: (s) => { if (s.step === 6) gpu.device.destroy(); } } });
    const failed = t.train();
    await expect(failed).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    await expect(failed).rejects.toThrow(/the device was lost[\s\S]*To continue: every tensor on this device is gone[\s\S]*continue from checkpoint-4\)$/);
    expect(checkpoints(dir)).toEqual(['checkpoint-4']);
    gpu.destroy();
    const resumed = await run(shared, dir, undefined, true);
    expect(resumed.losses).toEqual(whole.losses.slice(4));
  });
});
