import { DEFAULT_TRAINING_ARGS, TRAIN_CONFIG_KEYS, resolveTrainingArgs } from '@peft/train';
import { describe, expect, it } from 'vitest';
import { PythonCode } from './python-literal.js';
import { pythonTrainingArguments } from './training-arguments-python.js';

/** TrainingArgs fields by their config (TrainingArguments) name. */
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

describe('pythonTrainingArguments', () => {
  const args = resolveTrainingArgs({ learningRate: 3e-4, perDeviceTrainBatchSize: 4, perDeviceEvalBatchSize: 16, gradientAccumulationSteps: 2, maxSteps: 100, weightDecay: 0.01, adamBeta1: 0.8, adamBeta2: 0.95, adamEpsilon: 1e-6, lrSchedulerType: 'cosine', warmupSteps: 10, maxGradNorm: 0.5, gradientCheckpointing: true, seed: 7, loggingSteps: 5, evalSteps: 20, saveSteps: 50, saveTotalLimit: 2 });

  it('keeps every hyperparameter under its TrainingArguments name and value', () => {
    const { kwargs, unmapped } = pythonTrainingArguments(args, { hasEval: true, byEpochs: false });
    for (const field of ['learningRate', 'perDeviceTrainBatchSize', 'perDeviceEvalBatchSize', 'gradientAccumulationSteps', 'weightDecay', 'adamBeta1', 'adamBeta2', 'adamEpsilon', 'lrSchedulerType', 'warmupSteps', 'maxGradNorm', 'gradientCheckpointing', 'seed', 'loggingSteps', 'evalSteps', 'saveSteps', 'saveTotalLimit'] as const) {
      expect(kwargs.get(snake(field)), field).toBe(args[field]);
    }
    expect((kwargs.get('max_steps') as PythonCode).code).toBe('TOTAL_STEPS - RESUME_STEP');
    expect(kwargs.get('eval_strategy')).toBe('steps');
    expect(kwargs.get('save_strategy')).toBe('steps');
    expect(unmapped).toEqual([]);
  });

  it('accounts for every TrainingArgs key of the config: mapped, or reported', () => {
    const { kwargs } = pythonTrainingArguments(args, { hasEval: true, byEpochs: false });
    const handledElsewhere = new Set(['num_train_epochs', 'max_steps', 'warmup_ratio', 'shuffle', 'early_stopping_patience', 'early_stopping_threshold']);
    for (const key of Object.keys(DEFAULT_TRAINING_ARGS).map(snake)) {
      expect(TRAIN_CONFIG_KEYS).toContain(key);
      if (!handledElsewhere.has(key)) expect(kwargs.has(key), key).toBe(true);
    }
  });

  it("spells out @peft's small-run defaults: evaluation at the end, no checkpoints, no clipping, by epochs", () => {
    const { kwargs } = pythonTrainingArguments(resolveTrainingArgs({ maxGradNorm: null, numTrainEpochs: 2 }), { hasEval: true, byEpochs: true });
    expect(kwargs.get('eval_strategy')).toBe('no');
    expect(kwargs.get('save_strategy')).toBe('no');
    expect(kwargs.get('max_grad_norm')).toBe(0);
    expect(kwargs.get('num_train_epochs')).toBe(2);
    expect(kwargs.has('max_steps')).toBe(false);
  });

  it('writes warmup_ratio as a fractional warmup_steps', () => {
    expect(pythonTrainingArguments(resolveTrainingArgs({ warmupRatio: 0.1 }), { hasEval: false, byEpochs: true }).kwargs.get('warmup_steps')).toBe(0.1);
  });

  it("maps early stopping to transformers' callback with matching evaluations and saves", () => {
    const { kwargs, callbacks } = pythonTrainingArguments(resolveTrainingArgs({ earlyStoppingPatience: 3, earlyStoppingThreshold: 0.01, evalSteps: 10 }), { hasEval: true, byEpochs: false });
    expect(callbacks).toEqual(['EarlyStoppingCallback(early_stopping_patience=3, early_stopping_threshold=0.01)']);
    expect(kwargs.get('save_steps')).toBe(10);
    expect(kwargs.get('load_best_model_at_end')).toBe(true);
    expect(kwargs.get('metric_for_best_model')).toBe('eval_loss');
  });

  it('reports what has no equal: shuffle off, early stopping without evaluation data', () => {
    const { unmapped } = pythonTrainingArguments(resolveTrainingArgs({ shuffle: false, earlyStoppingPatience: 2 }), { hasEval: false, byEpochs: false });
    expect(unmapped).toHaveLength(2);
    expect(unmapped[0]).toMatch(/^early_stopping_patience: 2/);
    expect(unmapped[1]).toMatch(/^shuffle: false/);
  });
});
