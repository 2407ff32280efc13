/**
 * Gradient accumulation weighs a language model's micro-batches by their label tokens, as Hugging Face
 * transformers' Trainer does (`num_items_in_batch`): the accumulated gradient and the step's loss are
 * those of one batch holding every row.
 */
import { type Backend, MethodRegistry, type PeftModel, getPeftModel, manualSeed, tidy } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { lora, loraConfig } from '@peft/lora';
import { createTinyModel } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { collateExamples } from './data/collate-examples.js';
import type { Example } from './data/example.js';
import { microBatchWeights } from './micro-batch-weights.js';
import { batchSource } from './prepare-data.js';
import { countingExamples } from './test-support/counting-examples.js';
import { Trainer } from './trainer.js';
import type { TrainingArgs } from './training-args.js';

const backends = await testBackends();
const registry = new MethodRegistry();
registry.register(lora);

type Base = 'gpt2' | 't5' | 'bert-seq-cls';

async function loraModel(backend: Backend, base: Base = 'gpt2'): Promise<PeftModel> {
  const model = createTinyModel(base, backend, 3);
  manualSeed(11);
  const config = {
    gpt2: () => loraConfig({ r: 4, loraAlpha: 8, targetModules: ['c_attn', 'c_proj', 'c_fc'] }),
    t5: () => loraConfig({ r: 4, loraAlpha: 8, targetModules: ['q', 'v'] }),
    'bert-seq-cls': () => loraConfig({ r: 4, loraAlpha: 8, taskType: 'SEQ_CLS', targetModules: ['query', 'value'] }),
  }[base]();
  return getPeftModel(model, config, { registry, warn: () => {} });
}

/** Rows of 12 ids whose labels are masked (-100) before position `from`, as completion-only loss masks a prompt. */
function maskedBefore(rows: Example[], from: number): Example[] {
  return rows.map((r) => ({ ...r, labels: (r.labels as number[]).map((l, i) => (i < from ? -100 : l)) }));
}

// micro-batch A: two rows with every label (2 × 11 shifted label tokens); micro-batch B: two rows with a
// masked prompt (2 × 4 label tokens)
const microA = countingExamples(2, 12, 3);
const microB = maskedBefore(countingExamples(2, 12, 7), 8);

type Grads = Map<string, Float64Array>;

async function readGrads(peft: PeftModel): Promise<Grads> {
  const out: Grads = new Map();
  for (const [path, p] of peft.namedParameters()) if (p.requiresGrad) out.set(path, await readF64(p.grad!));
  return out;
}

/** One optimizer step of the Trainer on `rows` (in order); its loss and the gradient it stepped with. */
async function trainerStep(backend: Backend, rows: Example[], args: Partial<TrainingArgs>, base: Base = 'gpt2'): Promise<{ loss: number; grads: Grads }> {
  const peft = await loraModel(backend, base);
  let grads: Grads | undefined;
  const afterStep = peft.afterOptimizerStep.bind(peft);
  // the gradients are still there when the hooks run after the update, before they are zeroed
  peft.afterOptimizerStep = async (step: number) => {
    grads = await readGrads(peft);
    return afterStep(step);
  };
  const trainer = new Trainer(peft, { args: { learningRate: 1e-3, maxSteps: 1, maxGradNorm: null, shuffle: false, ...args }, train: batchSource(rows, { batchSize: args.perDeviceTrainBatchSize ?? 2, shuffle: false, seed: 1 }) });
  const result = await trainer.train();
  return { loss: result.losses[0], grads: grads! };
}

/** A plain forward and backward of the mean loss of one batch of `rows`, on a fresh model. */
async function direct(backend: Backend, rows: Example[], base: Base = 'gpt2'): Promise<{ loss: number; grads: Grads; targets: number }> {
  const peft = await loraModel(backend, base);
  peft.train();
  const batch = collateExamples(rows, { padTokenId: 0, paddingSide: 'right', backend });
  const loss = tidy(() => {
    const out = peft.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, labels: batch.labels, returnLogits: false });
    out.loss!.backward();
    return out.loss!.detach();
  });
  const result = { loss: (await readF64(loss))[0], grads: await readGrads(peft), targets: batch.targets };
  loss.dispose();
  for (const t of [batch.inputIds, batch.attentionMask, batch.labels]) t.dispose();
  return result;
}

/** `Σ wᵢ · gradsᵢ`, parameter by parameter. */
function combine(parts: readonly (readonly [number, Grads])[]): Grads {
  const out: Grads = new Map();
  for (const path of parts[0][1].keys()) {
    const sum = new Float64Array(parts[0][1].get(path)!.length);
    for (const [w, g] of parts) g.get(path)!.forEach((v, i) => (sum[i] += w * v));
    out.set(path, sum);
  }
  return out;
}

function expectGradsClose(actual: Grads, expected: Grads): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [path, g] of expected) expectClose(actual.get(path)!, g, { rtol: 1e-4, atol: 1e-7 }, `gradient of ${path}`);
}

/** The largest difference between two gradients, over every parameter. */
function largestDifference(a: Grads, b: Grads): number {
  let m = 0;
  for (const [path, g] of a) g.forEach((v, i) => (m = Math.max(m, Math.abs(v - b.get(path)![i]))));
  return m;
}

describe.each(backends)('gradient accumulation on $name', ({ backend }) => {
  it('gives two micro-batches of different label-token counts the gradient and loss of one batch holding both', async () => {
    const both = await direct(backend, [...microA, ...microB]);
    const accumulated = await trainerStep(backend, [...microA, ...microB], { perDeviceTrainBatchSize: 2, gradientAccumulationSteps: 2 });
    expect(both.targets).toBe(22 + 8);
    expectGradsClose(accumulated.grads, both.grads);
    expect(Math.abs(accumulated.loss - both.loss)).toBeLessThan(1e-5 * both.loss);
  });

  it('weighs each micro-batch by its share of the label tokens, not equally as before', async () => {
    const a = await direct(backend, microA);
    const b = await direct(backend, microB);
    expect([a.targets, b.targets]).toEqual([22, 8]);
    const accumulated = await trainerStep(backend, [...microA, ...microB], { perDeviceTrainBatchSize: 2, gradientAccumulationSteps: 2 });
    const tokenWeighted = combine([[22 / 30, a.grads], [8 / 30, b.grads]]);
    const equalWeights = combine([[1 / 2, a.grads], [1 / 2, b.grads]]);
    expectGradsClose(accumulated.grads, tokenWeighted);
    // the old equal weighting is far from it: many times the float32 tolerance above
    const gap = largestDifference(tokenWeighted, equalWeights);
    expect(gap).toBeGreaterThan(1e3 * largestDifference(accumulated.grads, tokenWeighted));
    expect(Math.abs(accumulated.loss - (22 * a.loss + 8 * b.loss) / 30)).toBeLessThan(1e-5 * a.loss);
    expect(Math.abs(accumulated.loss - (a.loss + b.loss) / 2)).toBeGreaterThan(1e-3);
  });

  it('gives an encoder-decoder\'s micro-batches of different target lengths the gradient of one batch holding both', async () => {
    const pairs = (n: number, target: number, seed: number): Example[] =>
      countingExamples(n, 8, seed).map((e) => ({ ...e, labels: e.inputIds.slice(0, target).map((id) => 2 + ((id + 1) % 60)), seq2seq: true }));
    // every target label counts (no shift): 2 × 6 and 2 × 2 label tokens
    const long = pairs(2, 6, 3);
    const short = pairs(2, 2, 5);
    const both = await direct(backend, [...long, ...short], 't5');
    const a = await direct(backend, long, 't5');
    const b = await direct(backend, short, 't5');
    expect([a.targets, b.targets, both.targets]).toEqual([12, 4, 16]);
    const accumulated = await trainerStep(backend, [...long, ...short], { perDeviceTrainBatchSize: 2, gradientAccumulationSteps: 2 }, 't5');
    expectGradsClose(accumulated.grads, both.grads);
    expect(Math.abs(accumulated.loss - both.loss)).toBeLessThan(1e-5 * both.loss);
    expect(largestDifference(both.grads, combine([[1 / 2, a.grads], [1 / 2, b.grads]]))).toBeGreaterThan(1e3 * largestDifference(accumulated.grads, both.grads));
  });

  it('keeps a classifier\'s micro-batches equally weighted: the mean of their per-example means', async () => {
    const rows: Example[] = countingExamples(4, 6, 2).map((e, i) => ({ ...e, labels: i % 3 }));
    // batches of 3 rows then 1 row
    const a = await direct(backend, rows.slice(0, 3), 'bert-seq-cls');
    const b = await direct(backend, rows.slice(3), 'bert-seq-cls');
    const accumulated = await trainerStep(backend, rows, { perDeviceTrainBatchSize: 3, gradientAccumulationSteps: 2 }, 'bert-seq-cls');
    const equalWeights = combine([[1 / 2, a.grads], [1 / 2, b.grads]]);
    expectGradsClose(accumulated.grads, equalWeights);
    expect(largestDifference(equalWeights, combine([[3 / 4, a.grads], [1 / 4, b.grads]]))).toBeGreaterThan(1e3 * largestDifference(accumulated.grads, equalWeights));
    expect(accumulated.loss).toBe((a.loss + b.loss) / 2);
  });

  it('leaves one micro-batch per step unchanged: the batch mean loss and its plain gradient, exactly', async () => {
    const one = await direct(backend, [...microA, ...microB]);
    const step = await trainerStep(backend, [...microA, ...microB], { perDeviceTrainBatchSize: 4, gradientAccumulationSteps: 1 });
    expect(step.loss).toBe(one.loss);
    expect(step.grads).toEqual(one.grads);
  });

  it('skips a micro-batch without label tokens (it adds nothing) and refuses a step with none at all', async () => {
    const unlabelled = maskedBefore(countingExamples(2, 12, 9), 12);
    const a = await direct(backend, microA);
    const step = await trainerStep(backend, [...microA, ...unlabelled], { perDeviceTrainBatchSize: 2, gradientAccumulationSteps: 2 });
    expect(step.loss).toBe(a.loss);
    expectGradsClose(step.grads, a.grads);
    await expect(trainerStep(backend, unlabelled, { perDeviceTrainBatchSize: 1, gradientAccumulationSteps: 2 })).rejects.toThrow(/micro-batches of step 1 hold no label tokens/);
  });
});

describe('microBatchWeights', () => {
  it('weighs a language model’s micro-batches by their label tokens', () => {
    expect(microBatchWeights([{ targets: 22 }, { targets: 8 }])).toEqual({ counts: [22, 8], total: 30, byTokens: true });
  });

  it('weighs a classifier’s micro-batches equally, whatever their rows', () => {
    expect(microBatchWeights([{ targets: 4, classLabels: [0, 1, 1, 0] }, { targets: 1, classLabels: [1] }])).toEqual({ counts: [1, 1], total: 2, byTokens: false });
  });
});
