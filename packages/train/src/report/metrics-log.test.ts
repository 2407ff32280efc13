import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, FileFormatError } from '@peft/core';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS_FILE, metricsFileStore } from './metrics-file-store.js';
import { MetricsLog, type MetricsStore, memoryMetricsStore, parseMetricsJsonl, serializeMetrics } from './metrics-log.js';

describe('serializeMetrics', () => {
  it('writes step first and the other fields in their order', () => {
    expect(serializeMetrics({ loss: 2.5, step: 3, learning_rate: 1e-3 })).toBe(
      '{"step":3,"loss":2.5,"learning_rate":0.001}',
    );
  });

  it('writes NaN and infinities as null anywhere in the entry and leaves out undefined fields', () => {
    expect(
      serializeMetrics({ step: 1, loss: Number.NaN, g: Number.POSITIVE_INFINITY, h: [Number.NEGATIVE_INFINITY, 1], x: undefined }),
    ).toBe('{"step":1,"loss":null,"g":null,"h":[null,1]}');
    expect(serializeMetrics({ step: 0, z: -0 })).toBe('{"step":0,"z":0}');
  });

  it('rejects an entry without an integer step, or with a value JSON cannot hold', () => {
    expect(() => serializeMetrics({ loss: 1 } as never)).toThrow('MetricsLog: step must be an integer >= 0, got undefined');
    expect(() => serializeMetrics({ step: 1.5 })).toThrow(ArgumentError);
    expect(() => serializeMetrics({ step: 1, n: 1n } as never)).toThrow(ArgumentError);
  });
});

describe('parseMetricsJsonl', () => {
  it('reads entries back, skipping blank lines and a last line cut short', () => {
    expect(parseMetricsJsonl('{"step":1,"loss":2}\n\n{"step":2,"loss":null}\n{"step":3,"lo')).toEqual([
      { step: 1, loss: 2 },
      { step: 2, loss: null },
    ]);
  });

  it('names the line that is not a JSON object with a step', () => {
    expect(() => parseMetricsJsonl('{"step":1}\nnot json\n')).toThrow('metrics.jsonl: line 2 is not JSON: not json');
    expect(() => parseMetricsJsonl('{"loss":1}\n')).toThrow(FileFormatError);
  });
});

describe('MetricsLog in memory', () => {
  it('appends one whole line per entry, in call order, with one write each', async () => {
    const store = memoryMetricsStore();
    const appends: string[] = [];
    const log = await MetricsLog.open({ ...store, append: (t) => void appends.push(t) });
    const writes = [log.log({ step: 1, loss: 3 }), log.log({ step: 2, loss: Number.NaN }), log.log({ step: 2, eval_loss: 2.5 })];
    await Promise.all(writes);
    expect(appends).toEqual(['{"step":1,"loss":3}\n', '{"step":2,"loss":null}\n', '{"step":2,"eval_loss":2.5}\n']);
    expect(log.entries).toEqual([{ step: 1, loss: 3 }, { step: 2, loss: null }, { step: 2, eval_loss: 2.5 }]);
  });

  it('keeps earlier entries when opened again without resuming', async () => {
    const store = memoryMetricsStore('{"step":1,"loss":3}\n');
    const log = await MetricsLog.open(store);
    await log.log({ step: 2, loss: 2 });
    expect(store.text).toBe('{"step":1,"loss":3}\n{"step":2,"loss":2}\n');
    expect(log.entries).toHaveLength(2);
  });

  it('drops entries past the resumed step so a resumed run writes them once', async () => {
    const store = memoryMetricsStore('{"step":10,"loss":3}\n{"step":20,"loss":2}\n{"step":20,"eval_loss":2.2}\n{"step":30,"loss":1}\n');
    const log = await MetricsLog.open(store, { resumeFromStep: 20 });
    expect(store.text).toBe('{"step":10,"loss":3}\n{"step":20,"loss":2}\n{"step":20,"eval_loss":2.2}\n');
    await log.log({ step: 30, loss: 1.5 });
    expect(parseMetricsJsonl(store.text).map((e) => e.step)).toEqual([10, 20, 20, 30]);
  });

  it('removes a line cut short by a crash before appending', async () => {
    const store = memoryMetricsStore('{"step":1,"loss":3}\n{"step":2,"lo');
    const log = await MetricsLog.open(store);
    await log.log({ step: 2, loss: 2 });
    expect(store.text).toBe('{"step":1,"loss":3}\n{"step":2,"loss":2}\n');
  });

  it('starts empty with overwrite', async () => {
    const store = memoryMetricsStore('{"step":1}\n');
    const log = await MetricsLog.open(store, { overwrite: true });
    expect(store.text).toBe('');
    expect(log.entries).toEqual([]);
  });

  it('rejects a write that failed, and every later one, and reports it on flush', async () => {
    let calls = 0;
    const failing: MetricsStore = {
      read: () => undefined,
      append: () => {
        calls++;
        throw new Error('disk full');
      },
      replace: () => undefined,
    };
    const log = await MetricsLog.open(failing);
    await expect(log.log({ step: 1 })).rejects.toThrow('disk full');
    await expect(log.log({ step: 2 })).rejects.toThrow('disk full');
    await expect(log.flush()).rejects.toThrow('disk full');
    expect(calls).toBe(1);
  });

  it('refuses entries after close and bad open options', async () => {
    const log = await MetricsLog.open(memoryMetricsStore());
    await log.close();
    expect(() => log.log({ step: 1 })).toThrow('MetricsLog.log: the log is closed, got an entry for step 1');
    await expect(MetricsLog.open(memoryMetricsStore(), { resumeFromStep: -1 })).rejects.toThrow(ArgumentError);
  });
});

describe('MetricsLog on a file', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'peft-metrics-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates output_dir/metrics.jsonl and appends lines to it', async () => {
    const dir = join(tempDir(), 'run');
    const log = await MetricsLog.open(metricsFileStore(dir));
    await log.log({ step: 1, loss: 2.5 });
    await log.log({ step: 2, loss: 2.25 });
    await log.close();
    expect(readFileSync(join(dir, METRICS_FILE), 'utf8')).toBe('{"step":1,"loss":2.5}\n{"step":2,"loss":2.25}\n');
  });

  it('truncates entries past the checkpoint on resume and continues after them', async () => {
    const dir = tempDir();
    const path = join(dir, METRICS_FILE);
    writeFileSync(path, '{"step":1,"loss":3}\n{"step":2,"loss":2}\n{"step":3,"loss":1}\n{"step":4,"lo');
    const log = await MetricsLog.open(metricsFileStore(dir), { resumeFromStep: 2 });
    expect(readFileSync(path, 'utf8')).toBe('{"step":1,"loss":3}\n{"step":2,"loss":2}\n');
    await log.log({ step: 3, loss: 1.5 });
    await log.close();
    expect(readFileSync(path, 'utf8')).toBe('{"step":1,"loss":3}\n{"step":2,"loss":2}\n{"step":3,"loss":1.5}\n');
  });

  it('reads a missing file as an empty log', async () => {
    const store = metricsFileStore(join(tempDir(), 'nothing-here'));
    expect(await store.read()).toBeUndefined();
  });
});

describe('the browser path', () => {
  it('does not import node modules from metrics-log.ts', () => {
    const source = readFileSync(new URL('./metrics-log.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from '(node:|fs|path)/);
    expect(source).toMatch(/from '@peft\/core'/);
  });
});
