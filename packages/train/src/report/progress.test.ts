import { ArgumentError } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { type ProgressOptions, type ProgressOutput, ProgressReporter } from './progress.js';

/** An output that records writes, and a clock the test moves by hand (milliseconds). */
function setup(out: Partial<ProgressOutput>, options: ProgressOptions = {}) {
  const writes: string[] = [];
  let ms = 0;
  // the same object, so a test can change `columns` as a resized terminal does
  const sink: ProgressOutput = Object.assign(out, { write: (s: string) => void writes.push(s) });
  const progress = new ProgressReporter(sink, { ...options, now: () => ms });
  const tick = (seconds: number): void => {
    ms += seconds * 1000;
  };
  return { writes, progress, tick, text: () => writes.join('') };
}

describe('ProgressReporter on a terminal', () => {
  it('redraws one line in place and ends it on finish', () => {
    const { writes, progress, tick, text } = setup({ isTTY: true, columns: 100 }, { total: 4 });
    for (let step = 1; step <= 4; step++) {
      tick(1);
      progress.update(step, { loss: 2 / step, lr: 1e-3 });
    }
    progress.finish();
    expect(writes.every((w) => w === '\n' || (w.startsWith('\r') && w.endsWith('\x1b[K')))).toBe(true);
    expect(text().split('\n')).toHaveLength(2);
    expect(writes.at(-2)).toContain('step 4/4 [');
    expect(writes.at(-2)).toContain('100% loss 0.5000 lr 1.0e-3');
    expect(writes.at(-1)).toBe('\n');
  });

  it('fits each redraw to the current terminal width', () => {
    const out = { isTTY: true, columns: 70 };
    const { writes, progress, tick } = setup(out, { total: 10 });
    tick(1);
    progress.update(1, { loss: 1 });
    out.columns = 40;
    tick(1);
    progress.update(2, { loss: 1 });
    const visible = (w: string): string => w.replace('\r', '').replace('\x1b[K', '');
    expect(visible(writes[0])).toHaveLength(69);
    expect(visible(writes[0])).toContain('[');
    expect(visible(writes[1]).length).toBeLessThanOrEqual(39);
    expect(visible(writes[1])).not.toContain('[');
  });

  it('redraws at most once per interval but always draws the last step', () => {
    const { writes, progress, tick } = setup({ isTTY: true }, { total: 100, redrawEverySeconds: 1 });
    for (let step = 1; step <= 100; step++) {
      tick(0.05);
      progress.update(step);
    }
    // drawn at the first step, then every 20 steps (1 s), then at step 100
    expect(writes.length).toBe(6);
    expect(writes.at(-1)).toContain('step 100/100');
  });

  it('writes messages above the bar and redraws the bar after them', () => {
    const { writes, progress, tick } = setup({ isTTY: true }, { total: 10 });
    tick(1);
    progress.update(1);
    progress.message('eval loss 1.234');
    expect(writes[1]).toBe('\r\x1b[Keval loss 1.234\n');
    expect(writes[2]).toContain('step 1/10');
  });

  it('writes messages after finish as plain lines without drawing the bar again', () => {
    const { writes, progress, tick } = setup({ isTTY: true }, { total: 2 });
    tick(1);
    progress.update(2);
    progress.finish();
    const before = writes.length;
    progress.message('saved to out/');
    expect(writes.slice(before)).toEqual(['saved to out/\n']);
  });
});

describe('ProgressReporter on plain output', () => {
  it('writes a line every logEverySteps steps and one at the end', () => {
    const { writes, progress, tick } = setup({ isTTY: false }, { total: 25, logEverySteps: 10 });
    for (let step = 1; step <= 25; step++) {
      tick(0.1);
      progress.update(step, { loss: 1 });
    }
    progress.finish('done');
    expect(writes.map((w) => w.split(' ')[1])).toEqual(['10/25', '20/25', '25/25', undefined]);
    expect(writes.at(-1)).toBe('done\n');
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
  });

  it('also writes a line when logEverySeconds have passed', () => {
    const { writes, progress, tick } = setup({}, { total: 1000, logEverySteps: 100, logEverySeconds: 5 });
    for (let step = 1; step <= 12; step++) {
      tick(1);
      progress.update(step);
    }
    expect(writes.map((w) => w.split(' ')[1])).toEqual(['5/1000', '10/1000']);
  });

  it('writes the last step on finish when no line showed it', () => {
    const { writes, progress, tick } = setup({}, { total: 50, logEverySteps: 10 });
    tick(1);
    progress.update(3);
    progress.finish();
    progress.finish();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^step 3\/50 \(6%\)/);
  });
});

describe('ProgressReporter speed and ETA', () => {
  it('estimates ETA and tokens per second from a moving average of recent steps', () => {
    const { progress, tick } = setup({}, { total: 100, window: 5 });
    // five slow steps, then five steps of 2 s each with 1000 tokens: only the last five count
    for (let step = 1; step <= 5; step++) {
      tick(10);
      progress.update(step, { tokens: 1000 });
    }
    for (let step = 6; step <= 10; step++) {
      tick(2);
      progress.update(step, { tokens: 1000 });
    }
    const state = progress.state();
    expect(state.etaSeconds).toBeCloseTo(90 * 2, 10);
    expect(state.tokensPerSecond).toBeCloseTo(500, 10);
    expect(state.elapsedSeconds).toBe(60);
  });

  it('counts a jump of several steps as several steps of the time it took', () => {
    const { progress, tick } = setup({}, { total: 40, startStep: 10 });
    tick(6);
    progress.update(13);
    expect(progress.state().etaSeconds).toBeCloseTo(27 * 2, 10);
  });

  it('keeps the last loss and lr when an update carries none', () => {
    const { progress, tick } = setup({}, { total: 10 });
    tick(1);
    progress.update(1, { loss: 3, lr: 1e-4 });
    tick(1);
    progress.update(2, { tokens: 5 });
    expect(progress.state()).toMatchObject({ step: 2, loss: 3, lr: 1e-4 });
  });
});

describe('ProgressReporter misuse', () => {
  it('rejects a step that goes backwards and updates after finish', () => {
    const { progress, tick } = setup({}, { total: 10 });
    tick(1);
    progress.update(5);
    expect(() => progress.update(4)).toThrow('ProgressReporter.update: step must be an integer >= 5 (the last one), got 4');
    progress.finish();
    expect(() => progress.update(6)).toThrow(ArgumentError);
  });

  it('rejects bad options with an ArgumentError naming the option', () => {
    expect(() => new ProgressReporter({ write: () => undefined }, { logEverySteps: 0 })).toThrow(
      'ProgressReporter: logEverySteps must be a positive integer, got 0',
    );
    expect(() => new ProgressReporter({ write: () => undefined }, { total: -1 })).toThrow(ArgumentError);
  });
});
