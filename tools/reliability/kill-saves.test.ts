import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKillSaves } from './kill-saves-run.js';

const dir = mkdtempSync(join(tmpdir(), 'peft-kill-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saves killed mid-write (SIGKILL)', () => {
  it('leave every adapter, checkpoint, training checkpoint and metrics log loadable, holding the last finished save or the one in progress', async () => {
    const report = await runKillSaves({ dir, kills: 20, seed: 20261123, maxDelayMs: 400 });
    expect(report.failures).toEqual([]);
    const total = Object.values(report.outcomes).reduce((a, b) => a + b, 0);
    expect(total).toBe(20 * 4);
    // temporary files of killed saves are removed by the next save of the same file: they never pile up
    expect(report.maxLeftovers).toBeLessThan(10);
  }, 180_000);
});
