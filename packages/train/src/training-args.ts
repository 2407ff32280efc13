import { ConfigError } from '@peft/core';
import { LR_SCHEDULE_TYPES, type LrScheduleType } from './schedule/lr-schedule.js';

/**
 * The trainer's hyperparameters. Each one is a Hugging Face `TrainingArguments` field in camelCase
 * (`learningRate` ↔ `learning_rate`) with the same default, except `loggingSteps`, `evalSteps` and
 * `saveSteps`, whose defaults suit small runs.
 *
 * @example
 * ```ts
 * const args: Partial<TrainingArgs> = { learningRate: 3e-4, maxSteps: 200, lrSchedulerType: 'cosine', warmupSteps: 20 };
 * ```
 */
export interface TrainingArgs {
  /** Peak learning rate (5e-5). */
  learningRate: number;
  /** Examples per micro-batch (8). */
  perDeviceTrainBatchSize: number;
  /** Examples per evaluation batch (8). */
  perDeviceEvalBatchSize: number;
  /** Micro-batches whose gradients are summed before each optimizer step (1). */
  gradientAccumulationSteps: number;
  /** Optimizer steps to run; a positive value overrides `numTrainEpochs` (-1: use epochs). */
  maxSteps: number;
  /** Passes over the training data when `maxSteps` is not set (3). */
  numTrainEpochs: number;
  /** AdamW's decoupled weight decay, not applied to biases and norm weights (0). */
  weightDecay: number;
  /** AdamW β1 (0.9). */
  adamBeta1: number;
  /** AdamW β2 (0.999). */
  adamBeta2: number;
  /** AdamW ε (1e-8). */
  adamEpsilon: number;
  /** The schedule ('linear'). */
  lrSchedulerType: LrScheduleType;
  /** Steps of linear warm-up from 0 (0); wins over `warmupRatio`. */
  warmupSteps: number;
  /** Warm-up as a fraction of the total steps (0). */
  warmupRatio: number;
  /** Gradients are clipped to this global L2 norm (1.0); 0 or null: no clipping. */
  maxGradNorm: number | null;
  /**
   * Recompute each transformer layer in backward instead of keeping its activations (false): less
   * memory for about one more forward per step, same gradients. The Trainer only turns it on (a model
   * prepared with it, as by `prepareModelForKbitTraining`, keeps it).
   */
  gradientCheckpointing: boolean;
  /** Seed of shuffling, dropout and adapter initialisation (42). */
  seed: number;
  /** Shuffle the training examples every epoch (true). */
  shuffle: boolean;
  /** A metrics line (and a progress line when not in a terminal) every this many steps (10). */
  loggingSteps: number;
  /** Evaluate on the held-out data every this many steps (0: at the end only). */
  evalSteps: number;
  /** Write a training checkpoint every this many steps (0: none). */
  saveSteps: number;
  /** Keep at most this many checkpoints, deleting the oldest (null: keep all). */
  saveTotalLimit: number | null;
  /** Stop when the evaluation loss has not improved for this many evaluations (0: never). */
  earlyStoppingPatience: number;
  /** The smallest decrease of the evaluation loss that counts as an improvement (0). */
  earlyStoppingThreshold: number;
}

/**
 * The defaults of {@link TrainingArgs}.
 *
 * @example
 * ```ts
 * DEFAULT_TRAINING_ARGS.learningRate; // 5e-5
 * ```
 */
export const DEFAULT_TRAINING_ARGS: Readonly<TrainingArgs> = Object.freeze({
  learningRate: 5e-5,
  perDeviceTrainBatchSize: 8,
  perDeviceEvalBatchSize: 8,
  gradientAccumulationSteps: 1,
  maxSteps: -1,
  numTrainEpochs: 3,
  weightDecay: 0,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  lrSchedulerType: 'linear',
  warmupSteps: 0,
  warmupRatio: 0,
  maxGradNorm: 1.0,
  gradientCheckpointing: false,
  seed: 42,
  shuffle: true,
  loggingSteps: 10,
  evalSteps: 0,
  saveSteps: 0,
  saveTotalLimit: null,
  earlyStoppingPatience: 0,
  earlyStoppingThreshold: 0,
});


/**
 * Fills defaults and checks every field; a bad value is a ConfigError naming the field, what it
 * expects and what came.
 *
 * @example
 * ```ts
 * const args = resolveTrainingArgs({ learningRate: 1e-3, maxSteps: 100 });
 * ```
 */
export function resolveTrainingArgs(partial: Partial<TrainingArgs> = {}): TrainingArgs {
  const args: TrainingArgs = { ...DEFAULT_TRAINING_ARGS };
  for (const [k, v] of Object.entries(partial)) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_TRAINING_ARGS)) throw new ConfigError(`TrainingArgs: unknown field "${k}" (fields: ${Object.keys(DEFAULT_TRAINING_ARGS).join(', ')})`);
    (args as unknown as Record<string, unknown>)[k] = v;
  }
  const num = (k: keyof TrainingArgs, ok: (v: number) => boolean, want: string): void => {
    const v = args[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new ConfigError(`TrainingArgs.${k}: expected ${want}, got ${JSON.stringify(v)}`);
  };
  const int = (v: number): boolean => Number.isInteger(v);
  num('learningRate', (v) => v >= 0, 'a number >= 0');
  num('perDeviceTrainBatchSize', (v) => int(v) && v >= 1, 'an integer >= 1');
  num('perDeviceEvalBatchSize', (v) => int(v) && v >= 1, 'an integer >= 1');
  num('gradientAccumulationSteps', (v) => int(v) && v >= 1, 'an integer >= 1');
  num('maxSteps', (v) => int(v) && (v >= 1 || v === -1 || v === 0), 'a positive integer, or -1 to train by epochs');
  num('numTrainEpochs', (v) => v > 0, 'a number > 0');
  num('weightDecay', (v) => v >= 0, 'a number >= 0');
  num('adamBeta1', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('adamBeta2', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
  num('adamEpsilon', (v) => v >= 0, 'a number >= 0');
  num('warmupSteps', (v) => int(v) && v >= 0, 'an integer >= 0');
  num('warmupRatio', (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
  num('seed', (v) => int(v) && v >= 0, 'a non-negative integer');
  num('loggingSteps', (v) => int(v) && v >= 1, 'an integer >= 1');
  num('evalSteps', (v) => int(v) && v >= 0, 'an integer >= 0');
  num('saveSteps', (v) => int(v) && v >= 0, 'an integer >= 0');
  num('earlyStoppingPatience', (v) => int(v) && v >= 0, 'an integer >= 0');
  num('earlyStoppingThreshold', (v) => v >= 0, 'a number >= 0');
  if (args.maxGradNorm !== null) num('maxGradNorm', (v) => v >= 0, 'a number >= 0, or null for no clipping');
  if (args.saveTotalLimit !== null) num('saveTotalLimit', (v) => int(v) && v >= 1, 'an integer >= 1, or null to keep every checkpoint');
  if (!(LR_SCHEDULE_TYPES as readonly string[]).includes(args.lrSchedulerType)) {
    throw new ConfigError(`TrainingArgs.lrSchedulerType: expected one of ${LR_SCHEDULE_TYPES.join(', ')}, got ${JSON.stringify(args.lrSchedulerType)}`);
  }
  if (typeof args.gradientCheckpointing !== 'boolean') {
    throw new ConfigError(`TrainingArgs.gradientCheckpointing: expected true or false, got ${JSON.stringify(args.gradientCheckpointing)}`);
  }
  if (typeof args.shuffle !== 'boolean') throw new ConfigError(`TrainingArgs.shuffle: expected true or false, got ${JSON.stringify(args.shuffle)}`);
  if (args.maxSteps === 0) args.maxSteps = -1;
  return args;
}
