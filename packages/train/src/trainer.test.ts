import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Backend, MethodRegistry, getPeftModel, manualSeed } from '@peft/core';
import { testBackends } from '@peft/core/testing';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { countingExamples } from './test-support/counting-examples.js';
import type { Example } from './data/example.js';
import { batchSource } from './prepare-data.js';
import { Trainer } from './trainer.js';
import type { TrainingArgs } from './training-args.js';

const backends = await testBackends();
const registry = new MethodRegistry();
registry.register(lora);

async function loraModel(backend: Backend, dropout = 0) {
  const base = createTinyModel('gpt2', backend, 3);
  manualSeed(11);
  return getPeftModel(base, loraConfig({ r: 4, loraAlpha: 8, loraDropout: dropout, targetModules: ['c_attn', 'c_proj', 'c_fc'] }), { registry, warn: () => {} });
}

function trainer(peft: Awaited<ReturnType<typeof loraModel>>, args: Partial<TrainingArgs>, opts: { train: Example[]; eval?: Example[]; outputDir?: string; onStep?: (step: number) => void }) {
  return new Trainer(peft, {
    args,
    train: batchSource(opts.train, { batchSize: args.perDeviceTrainBatchSize ?? 8, shuffle: args.shuffle ?? true, seed: args.seed ?? 42 }),
    evalExamples: opts.eval,
    outputDir: opts.outputDir,
    callbacks: { onStep: (s) => opts.onStep?.(s.step) },
  });
}

describe.each(backends)('Trainer on $name', ({ backend }) => {
  it('lowers the loss of a small counting task and reports the evaluation', async () => {
    const peft = await loraModel(backend);
    const train = countingExamples(48, 12, 1);
    const held = countingExamples(8, 12, 99);
    const t = trainer(peft, { learningRate: 2e-2, maxSteps: 30, perDeviceTrainBatchSize: 8, lrSchedulerType: 'cosine', warmupSteps: 3, evalSteps: 15 }, { train, eval: held });
    const before = await t.evaluate();
    const result = await t.train();
    expect(result.globalStep).toBe(30);
    expect(result.evaluations.map((e) => e.step)).toEqual([15, 30]);
    const after = result.evaluations.at(-1)!;
    expect(after.loss).toBeLessThan(before.loss * 0.8);
    expect(after.perplexity).toBeCloseTo(Math.exp(after.loss), 6);
    expect(result.tokens).toBe(30 * 8 * 12);
  });

  it('resumes from a checkpoint with exactly the losses of an uninterrupted run (dropout and shuffling on)', async () => {
    const args: Partial<TrainingArgs> = { learningRate: 1e-2, maxSteps: 8, perDeviceTrainBatchSize: 4, gradientAccumulationSteps: 2, maxGradNorm: 0.5, weightDecay: 0.01, lrSchedulerType: 'linear', warmupSteps: 2, saveSteps: 4, seed: 5 };
    const train = countingExamples(20, 10, 2);
    const whole = await trainer(await loraModel(backend, 0.1), args, { train, outputDir: mkdtempSync(join(tmpdir(), 'peft-train-')) }).train();
    const dir = mkdtempSync(join(tmpdir(), 'peft-train-'));
    const crash = new Error('simulated crash after step 6');
    const first = trainer(await loraModel(backend, 0.1), args, { train, outputDir: dir, onStep: (s) => { if (s === 6) throw crash; } });
    await expect(first.train()).rejects.toBe(crash);
    expect(readdirSync(dir).filter((n) => n.startsWith('checkpoint-'))).toEqual(['checkpoint-4']);
    const resumed = await trainer(await loraModel(backend, 0.1), args, { train, outputDir: dir }).train({ resumeFrom: 'latest' });
    expect(resumed.globalStep).toBe(8);
    expect(resumed.losses).toEqual(whole.losses.slice(4));
  });

  it('trains with gradient checkpointing to exactly the losses of a run without it (dropout on)', async () => {
    const args: Partial<TrainingArgs> = { learningRate: 1e-2, maxSteps: 4, perDeviceTrainBatchSize: 4, seed: 3 };
    const train = countingExamples(12, 10, 4);
    const plain = await trainer(await loraModel(backend, 0.1), args, { train }).train();
    const peft = await loraModel(backend, 0.1);
    const recomputed = await trainer(peft, { ...args, gradientCheckpointing: true }, { train }).train();
    expect((peft.model as unknown as { transformer: { gradientCheckpointing: boolean } }).transformer.gradientCheckpointing).toBe(true);
    expect(recomputed.losses).toEqual(plain.losses);
  });

  it('sums accumulated micro-batches like one large batch of equal-length rows', async () => {
    const train = countingExamples(8, 10, 3);
    const big = await trainer(await loraModel(backend), { learningRate: 1e-2, maxSteps: 3, perDeviceTrainBatchSize: 8, shuffle: false, maxGradNorm: null }, { train }).train();
    const small = await trainer(await loraModel(backend), { learningRate: 1e-2, maxSteps: 3, perDeviceTrainBatchSize: 4, gradientAccumulationSteps: 2, shuffle: false, maxGradNorm: null }, { train }).train();
    small.losses.forEach((l, i) => expect(Math.abs(l - big.losses[i])).toBeLessThan(1e-5));
  });

  it('stops early when the evaluation loss stops improving', async () => {
    const peft = await loraModel(backend);
    const train = countingExamples(16, 8, 4);
    // a zero learning rate cannot improve the held-out loss
    const result = await trainer(peft, { learningRate: 0, maxSteps: 20, perDeviceTrainBatchSize: 8, evalSteps: 2, earlyStoppingPatience: 2 }, { train, eval: countingExamples(4, 8, 5) }).train();
    expect(result.stoppedEarly).toBe(true);
    expect(result.globalStep).toBe(6);
  });
});

describe('Trainer set-up', () => {
  it('keeps at most save_total_limit checkpoints', async () => {
    const [{ backend }] = backends;
    const dir = mkdtempSync(join(tmpdir(), 'peft-train-'));
    await trainer(await loraModel(backend), { maxSteps: 6, saveSteps: 2, saveTotalLimit: 2, perDeviceTrainBatchSize: 4 }, { train: countingExamples(8, 6, 1), outputDir: dir }).train();
    expect(readdirSync(dir).filter((n) => n.startsWith('checkpoint-')).sort()).toEqual(['checkpoint-4', 'checkpoint-6']);
  });

  it('refuses early stopping without held-out data and a model with nothing to train', async () => {
    const [{ backend }] = backends;
    const peft = await loraModel(backend);
    expect(() => trainer(peft, { earlyStoppingPatience: 2 }, { train: countingExamples(4, 6, 1) })).toThrow(/earlyStoppingPatience needs held-out examples/);
    peft.setRequiresGrad(false);
    expect(() => trainer(peft, {}, { train: countingExamples(4, 6, 1) })).toThrow(/no trainable parameters/);
  });
});
