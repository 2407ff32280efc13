import { ArgumentError, ConfigError } from '@peft/core';

/**
 * The learning-rate schedules offered, by Hugging Face's `lr_scheduler_type` names.
 *
 * @example
 * ```ts
 * LR_SCHEDULE_TYPES.includes('cosine'); // true
 * ```
 */
export const LR_SCHEDULE_TYPES = ['constant', 'constant_with_warmup', 'linear', 'cosine'] as const;

/**
 * One of {@link LR_SCHEDULE_TYPES}.
 *
 * @example
 * ```ts
 * const type: LrScheduleType = 'linear';
 * ```
 */
export type LrScheduleType = (typeof LR_SCHEDULE_TYPES)[number];

/**
 * What a schedule is made of. `warmupSteps` is the number of warm-up steps already resolved (see
 * {@link resolveWarmupSteps} for `warmup_ratio`); `constant` ignores it, as Hugging Face does.
 * `totalSteps` is the number of optimizer steps of the whole run (Hugging Face's
 * `num_training_steps`); only `linear` and `cosine` read it.
 *
 * @example
 * ```ts
 * const spec: LrScheduleSpec = { type: 'cosine', baseLr: 3e-4, warmupSteps: 10, totalSteps: 100 };
 * ```
 */
export interface LrScheduleSpec {
  type: LrScheduleType;
  baseLr: number;
  warmupSteps?: number;
  totalSteps?: number;
}

/**
 * A checked schedule: `at(step)` is the learning rate the optimizer uses on its `step`-th update
 * (0-based), `baseLr · λ(step)` exactly as PyTorch's `LambdaLR` computes it under a Hugging Face
 * scheduler.
 *
 * @example
 * ```ts
 * const s = createLrSchedule({ type: 'linear', baseLr: 1e-3, warmupSteps: 2, totalSteps: 10 });
 * s.at(0); // 0
 * s.at(1); // 0.0005
 * ```
 */
export interface LrSchedule {
  readonly type: LrScheduleType;
  readonly baseLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  /** The learning rate of optimizer step `step` (0-based). */
  at(step: number): number;
  /** The multiplier λ(step) in [0, 1] that `at` applies to `baseLr`. */
  factor(step: number): number;
}

const WHAT = 'lr schedule';

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Checks a spec and returns a schedule to query step by step. Throws a `ConfigError` naming the field
 * for an unknown type, a negative or fractional `warmupSteps`, a `baseLr` that is not a finite number
 * ≥ 0, or a missing `totalSteps` for `linear` / `cosine`.
 *
 * @example
 * ```ts
 * const s = createLrSchedule({ type: 'cosine', baseLr: 1e-3, warmupSteps: 0, totalSteps: 4 });
 * [0, 1, 2, 3].map((k) => s.at(k)); // [0.001, 0.000853…, 0.0005, 0.000146…]
 * ```
 */
export function createLrSchedule(spec: LrScheduleSpec): LrSchedule {
  const type: unknown = spec.type;
  if (!(LR_SCHEDULE_TYPES as readonly unknown[]).includes(type)) {
    throw new ConfigError(`${WHAT}: type must be one of ${LR_SCHEDULE_TYPES.join(', ')}, got ${show(type)}`);
  }
  const { baseLr } = spec;
  if (typeof baseLr !== 'number' || !Number.isFinite(baseLr) || baseLr < 0) {
    throw new ConfigError(`${WHAT}: baseLr must be a finite number >= 0, got ${show(baseLr)}`);
  }
  const warmupSteps = spec.warmupSteps ?? 0;
  if (!isNonNegativeInteger(warmupSteps)) {
    throw new ConfigError(`${WHAT}: warmupSteps must be an integer >= 0, got ${show(warmupSteps)}`);
  }
  const needsTotal = type === 'linear' || type === 'cosine';
  if (needsTotal && spec.totalSteps === undefined) {
    throw new ConfigError(`${WHAT}: type ${type} needs totalSteps (the number of optimizer steps), got undefined`);
  }
  const totalSteps = spec.totalSteps ?? 0;
  if (!isNonNegativeInteger(totalSteps)) {
    throw new ConfigError(`${WHAT}: totalSteps must be an integer >= 0, got ${show(totalSteps)}`);
  }
  const lambda = lambdaOf(type as LrScheduleType, warmupSteps, totalSteps);
  const factor = (step: number): number => {
    if (!isNonNegativeInteger(step)) {
      throw new ArgumentError(`${WHAT}: step must be an integer >= 0, got ${show(step)}`);
    }
    return lambda(step);
  };
  return {
    type: type as LrScheduleType,
    baseLr,
    warmupSteps,
    totalSteps,
    factor,
    at: (step) => baseLr * factor(step),
  };
}

/**
 * The learning rate of optimizer step `step` (0-based) under `spec`, with Hugging Face transformers'
 * formulas; a one-off form of {@link createLrSchedule}.
 *
 * @example
 * ```ts
 * learningRateAt(5, { type: 'constant_with_warmup', baseLr: 1e-3, warmupSteps: 10 }); // 0.0005
 * ```
 */
export function learningRateAt(step: number, spec: LrScheduleSpec): number {
  return createLrSchedule(spec).at(step);
}

/** The λ of each type, as transformers' `_get_*_lr_lambda` functions compute it in float64. */
function lambdaOf(type: LrScheduleType, warmup: number, total: number): (step: number) => number {
  const warm = (step: number): number => step / Math.max(1, warmup);
  switch (type) {
    case 'constant':
      return () => 1;
    case 'constant_with_warmup':
      return (step) => (step < warmup ? warm(step) : 1);
    case 'linear':
      return (step) => (step < warmup ? warm(step) : Math.max(0, (total - step) / Math.max(1, total - warmup)));
    case 'cosine':
      // num_cycles = 0.5: half a cosine wave from 1 down to 0 over the steps after warm-up
      return (step) => {
        if (step < warmup) return warm(step);
        const progress = (step - warmup) / Math.max(1, total - warmup);
        return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
      };
  }
}

/**
 * Warm-up steps from Hugging Face's pair of arguments: a positive `warmupSteps` wins, otherwise
 * `ceil(totalSteps · warmupRatio)` computed in float64 as Python does (so `100 · 0.07` gives 8).
 * Throws a `ConfigError` for a negative or fractional `warmupSteps`, or a ratio outside [0, 1].
 *
 * @example
 * ```ts
 * resolveWarmupSteps({ warmupRatio: 0.1, totalSteps: 37 }); // 4
 * resolveWarmupSteps({ warmupSteps: 5, warmupRatio: 0.5, totalSteps: 100 }); // 5
 * ```
 */
export function resolveWarmupSteps(opts: { warmupSteps?: number; warmupRatio?: number; totalSteps: number }): number {
  const steps = opts.warmupSteps ?? 0;
  if (!isNonNegativeInteger(steps)) {
    throw new ConfigError(`${WHAT}: warmupSteps must be an integer >= 0, got ${show(steps)}`);
  }
  const ratio = opts.warmupRatio ?? 0;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) {
    throw new ConfigError(`${WHAT}: warmupRatio must be a number in [0, 1], got ${show(ratio)}`);
  }
  if (steps > 0) return steps;
  if (!isNonNegativeInteger(opts.totalSteps)) {
    throw new ConfigError(`${WHAT}: totalSteps must be an integer >= 0 to resolve warmupRatio, got ${show(opts.totalSteps)}`);
  }
  return Math.ceil(opts.totalSteps * ratio);
}
