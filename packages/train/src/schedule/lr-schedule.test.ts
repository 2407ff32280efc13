import { readFileSync } from 'node:fs';
import { ArgumentError, ConfigError } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { type LrScheduleType, createLrSchedule, learningRateAt, resolveWarmupSteps } from './lr-schedule.js';

/** Written by packages/train/tools/lr-schedule-reference.py from transformers + torch LambdaLR. */
interface Reference {
  transformers: string;
  cases: {
    type: LrScheduleType;
    baseLr: number;
    warmupSteps: number;
    warmupRatio: number;
    totalSteps: number;
    resolvedWarmupSteps: number;
    lrs: number[];
  }[];
  ratios: { warmupRatio: number; totalSteps: number; warmupSteps: number }[];
}

const reference = JSON.parse(
  readFileSync(new URL('./lr-schedule-reference.json', import.meta.url), 'utf8'),
) as Reference;

describe('learning-rate schedules against transformers', () => {
  it('has reference cases for every schedule type', () => {
    expect(new Set(reference.cases.map((c) => c.type))).toEqual(
      new Set(['constant', 'constant_with_warmup', 'linear', 'cosine']),
    );
  });

  it.each(reference.cases.map((c) => ({ ...c, name: `${c.type} w${c.warmupSteps} r${c.warmupRatio} T${c.totalSteps}` })))(
    'gives the learning rate transformers gives at every step for $name',
    (c) => {
      const warmupSteps = resolveWarmupSteps(c);
      expect(warmupSteps).toBe(c.resolvedWarmupSteps);
      const schedule = createLrSchedule({ type: c.type, baseLr: c.baseLr, warmupSteps, totalSteps: c.totalSteps });
      const ours = c.lrs.map((_, k) => schedule.at(k));
      // linear and constant schedules agree bit for bit; cosine may differ in the last bit of cos()
      if (c.type === 'cosine') {
        ours.forEach((lr, k) => expect(Math.abs(lr - c.lrs[k])).toBeLessThanOrEqual(4e-16 * c.baseLr));
      } else {
        expect(ours).toEqual(c.lrs);
      }
    },
  );

  it.each(reference.ratios)(
    'turns warmup ratio $warmupRatio of $totalSteps steps into $warmupSteps warm-up steps as transformers does',
    ({ warmupRatio, totalSteps, warmupSteps }) => {
      expect(resolveWarmupSteps({ warmupRatio, totalSteps })).toBe(warmupSteps);
    },
  );
});

describe('learningRateAt', () => {
  it('returns baseLr times the schedule factor of the step', () => {
    expect(learningRateAt(5, { type: 'constant_with_warmup', baseLr: 1e-3, warmupSteps: 10 })).toBe(5e-4);
    expect(learningRateAt(0, { type: 'linear', baseLr: 1e-3, warmupSteps: 0, totalSteps: 10 })).toBe(1e-3);
    expect(learningRateAt(10, { type: 'linear', baseLr: 1e-3, warmupSteps: 0, totalSteps: 10 })).toBe(0);
  });

  it('reaches exactly half the base rate in the middle of a cosine schedule', () => {
    const s = createLrSchedule({ type: 'cosine', baseLr: 1, warmupSteps: 2, totalSteps: 12 });
    expect(s.at(7)).toBeCloseTo(0.5, 15);
    expect(s.factor(2)).toBe(1);
  });

  it('lets positive warmup steps win over a ratio', () => {
    expect(resolveWarmupSteps({ warmupSteps: 5, warmupRatio: 0.5, totalSteps: 100 })).toBe(5);
  });
});

describe('schedule errors', () => {
  it('rejects an unknown schedule type with a ConfigError listing the known ones', () => {
    const bad = () => createLrSchedule({ type: 'cosine_with_restarts' as LrScheduleType, baseLr: 1e-3, totalSteps: 10 });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(
      'lr schedule: type must be one of constant, constant_with_warmup, linear, cosine, got "cosine_with_restarts"',
    );
  });

  it('rejects negative or fractional warmup steps with a ConfigError', () => {
    expect(() => createLrSchedule({ type: 'linear', baseLr: 1e-3, warmupSteps: -1, totalSteps: 10 })).toThrow(
      'lr schedule: warmupSteps must be an integer >= 0, got -1',
    );
    expect(() => createLrSchedule({ type: 'linear', baseLr: 1e-3, warmupSteps: 1.5, totalSteps: 10 })).toThrow(ConfigError);
    expect(() => resolveWarmupSteps({ warmupSteps: -3, totalSteps: 10 })).toThrow(ConfigError);
  });

  it('rejects a warmup ratio outside [0, 1] with a ConfigError', () => {
    expect(() => resolveWarmupSteps({ warmupRatio: -0.1, totalSteps: 10 })).toThrow(
      'lr schedule: warmupRatio must be a number in [0, 1], got -0.1',
    );
    expect(() => resolveWarmupSteps({ warmupRatio: Number.NaN, totalSteps: 10 })).toThrow(ConfigError);
  });

  it('requires totalSteps for decaying schedules but not for constant ones', () => {
    expect(() => createLrSchedule({ type: 'cosine', baseLr: 1e-3 })).toThrow(
      'lr schedule: type cosine needs totalSteps (the number of optimizer steps), got undefined',
    );
    expect(createLrSchedule({ type: 'constant', baseLr: 1e-3 }).at(1000)).toBe(1e-3);
  });

  it('rejects a negative or non-finite base learning rate with a ConfigError', () => {
    expect(() => createLrSchedule({ type: 'constant', baseLr: -1 })).toThrow(ConfigError);
    expect(() => createLrSchedule({ type: 'constant', baseLr: Number.POSITIVE_INFINITY })).toThrow(
      'lr schedule: baseLr must be a finite number >= 0, got Infinity',
    );
  });

  it('rejects a negative or fractional step with an ArgumentError', () => {
    const s = createLrSchedule({ type: 'constant', baseLr: 1e-3 });
    expect(() => s.at(-1)).toThrow(ArgumentError);
    expect(() => s.at(0.5)).toThrow('lr schedule: step must be an integer >= 0, got 0.5');
  });
});
