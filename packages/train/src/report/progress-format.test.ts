import { describe, expect, it } from 'vitest';
import {
  type ProgressState,
  formatCount,
  formatDuration,
  formatLearningRate,
  formatLoss,
  formatProgressBar,
  formatProgressLog,
  renderBar,
} from './progress-format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45.4, '45s'],
    [59.6, '1m00s'],
    [192, '3m12s'],
    [3599, '59m59s'],
    [3725, '1h02m'],
    [86399, '23h59m'],
    [2 * 86400 + 3 * 3600 + 59, '2d03h'],
  ])('writes %s seconds as %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  it('writes -- for an unknown or negative duration', () => {
    expect(formatDuration(Number.NaN)).toBe('--');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
    expect(formatDuration(-1)).toBe('--');
  });
});

describe('number formatting', () => {
  it('groups thousands with commas and rounds to an integer', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999.5)).toBe('1,000');
    expect(formatCount(1234.4)).toBe('1,234');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-12345)).toBe('-12,345');
  });

  it('writes learning rates with two significant digits in exponent form', () => {
    expect(formatLearningRate(0.001)).toBe('1.0e-3');
    expect(formatLearningRate(2.5e-5)).toBe('2.5e-5');
    expect(formatLearningRate(0)).toBe('0.0e+0');
  });

  it('writes losses with four significant digits and names nan and inf', () => {
    expect(formatLoss(2.31412)).toBe('2.314');
    expect(formatLoss(0.000412345)).toBe('0.0004123');
    expect(formatLoss(Number.NaN)).toBe('nan');
    expect(formatLoss(Number.POSITIVE_INFINITY)).toBe('inf');
  });
});

describe('renderBar', () => {
  it('fills with = and puts > at the head', () => {
    expect(renderBar(0.24, 10)).toBe('[==>       ]');
    expect(renderBar(0.5, 4)).toBe('[==> ]');
  });

  it('is empty at zero and full at one, clamping values outside', () => {
    expect(renderBar(0, 5)).toBe('[     ]');
    expect(renderBar(1, 5)).toBe('[=====]');
    expect(renderBar(2, 5)).toBe('[=====]');
    expect(renderBar(-1, 5)).toBe('[     ]');
  });

  it('is always width plus two characters long', () => {
    for (let i = 0; i <= 20; i++) expect(renderBar(i / 20, 13)).toHaveLength(15);
  });
});

const STATE: ProgressState = { step: 120, total: 500, loss: 2.314, lr: 1e-3, tokensPerSecond: 1234, etaSeconds: 192 };

describe('formatProgressBar', () => {
  it('writes counter, bar, percentage, loss, lr, speed and ETA', () => {
    expect(formatProgressBar(STATE)).toBe(
      'step 120/500 [=======>                      ] 24% loss 2.314 lr 1.0e-3 1,234 tok/s ETA 3m12s',
    );
  });

  it('fits the bar to the terminal width, leaving the last column free', () => {
    for (const columns of [80, 90, 100]) {
      const line = formatProgressBar(STATE, columns);
      expect(line).toHaveLength(columns - 1);
      expect(line).toMatch(/\[=+>? *\]/);
    }
    expect(formatProgressBar(STATE, 80)).toBe(
      'step 120/500 [====>            ] 24% loss 2.314 lr 1.0e-3 1,234 tok/s ETA 3m12s',
    );
  });

  it('keeps the bar between 10 and 40 characters', () => {
    const wide = formatProgressBar(STATE, 300);
    expect(wide.match(/\[[=> ]*\]/)?.[0]).toHaveLength(42);
    const narrow = formatProgressBar(STATE, 73);
    expect(narrow.match(/\[[=> ]*\]/)?.[0]).toHaveLength(12);
  });

  it('drops the bar when it does not fit and cuts what is still too long', () => {
    const line = formatProgressBar(STATE, 70);
    expect(line).not.toContain('[');
    expect(line).toBe('step 120/500 24% loss 2.314 lr 1.0e-3 1,234 tok/s ETA 3m12s');
    expect(formatProgressBar(STATE, 30)).toBe('step 120/500 24% loss 2.314 l');
  });

  it('shows no ETA once the work is done and no bar without a total', () => {
    expect(formatProgressBar({ step: 500, total: 500 }, 40)).toBe('step 500/500 [===================] 100%');
    expect(formatProgressBar({ step: 7, loss: 1 })).toBe('step 7 loss 1.000');
  });
});

describe('formatProgressLog', () => {
  it('writes a plain line with percentage, elapsed time and ETA', () => {
    expect(formatProgressLog({ ...STATE, elapsedSeconds: 62 })).toBe(
      'step 120/500 (24%) loss 2.314 lr 1.0e-3 1,234 tok/s elapsed 1m02s ETA 3m12s',
    );
  });

  it('uses the given label and shows -- for an ETA not known yet', () => {
    expect(formatProgressLog({ step: 1, total: 4, label: 'batch' })).toBe('batch 1/4 (25%) ETA --');
  });
});
