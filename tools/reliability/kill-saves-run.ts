import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type SavedVersions, inspectSaves } from './saved-files.js';

/** Figures of a kill run. @example `report.kills // 30` */
export interface KillReport {
  readonly kills: number;
  /** Kills after which a check failed (a file that does not load, mixes saves, or lost a finished save). */
  readonly failures: string[];
  /** Per kind: how often the file on disk was the save in progress at the kill (new, complete) or the last finished one (previous). */
  readonly outcomes: Record<string, number>;
  /** The most temporary files found after any one kill (each is removed by the next save of its file). */
  readonly maxLeftovers: number;
  readonly seconds: number;
}

const CHILD = fileURLToPath(new URL('./save-loop.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STRIDE = 100_000;

/**
 * Starts the save loop `kills` times in `dir`, lets it run through its first save, SIGKILLs it after a
 * random further delay (a seeded generator), and after each kill checks that every file loads, holds
 * one save only, and is the last finished save or the one in progress (never older: nothing
 * finished is lost).
 *
 * @example
 * ```ts
 * const report = await runKillSaves({ dir: '/tmp/k', kills: 30, seed: 1, maxDelayMs: 400 });
 * ```
 */
export async function runKillSaves(opts: { dir: string; kills: number; seed: number; maxDelayMs: number; onKill?: (i: number, v: SavedVersions) => void }): Promise<KillReport> {
  const t0 = performance.now();
  let s = opts.seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const failures: string[] = [];
  const outcomes: Record<string, number> = {};
  let maxLeftovers = 0;
  let finishedMetrics: number[] = [];
  for (let i = 0; i < opts.kills; i++) {
    const first = (i + 1) * STRIDE;
    const child = spawn(process.execPath, ['--conditions=@peft/source', '--import', 'tsx', CHILD, opts.dir, String(first)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastSeen = -1;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, signal) => resolve(signal)));
    await new Promise<void>((resolve) => {
      let buffered = '';
      let armed = false;
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const l of lines) lastSeen = Number(l.replace('saved ', ''));
        if (!armed && lastSeen >= first) {
          armed = true;
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, rand() * opts.maxDelayMs);
        }
      });
      void exited.then(() => resolve());
    });
    const signal = await exited;
    if (signal !== 'SIGKILL') {
      failures.push(`kill ${i}: the save loop exited by itself (${signal}): ${stderr.slice(-400)}`);
      continue;
    }
    try {
      const v = await inspectSaves(opts.dir);
      opts.onKill?.(i, v);
      const tally = (kind: string, version: number | undefined): void => {
        if (version === undefined || version < lastSeen || version >= first + STRIDE) {
          failures.push(`kill ${i}: ${kind} holds save ${version}, but save ${lastSeen} had finished`);
          return;
        }
        const key = `${kind}: ${version === lastSeen ? 'previous' : 'new'}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      };
      tally('adapter', v.adapter);
      tally('model', v.model);
      tally('checkpoint', Math.max(...v.checkpoints));
      tally('metrics', v.metrics.at(-1));
      // a finished metrics line is never lost, and lines are never repeated or reordered
      const lost = finishedMetrics.filter((m) => !v.metrics.includes(m));
      if (lost.length) failures.push(`kill ${i}: metrics lost finished lines of steps ${lost.slice(0, 3).join(', ')}`);
      if (v.metrics.some((m, k) => k > 0 && m <= v.metrics[k - 1])) failures.push(`kill ${i}: metrics steps out of order`);
      finishedMetrics = v.metrics.filter((m) => m <= lastSeen);
      maxLeftovers = Math.max(maxLeftovers, v.leftovers);
    } catch (e) {
      failures.push(`kill ${i} (last finished save ${lastSeen}): ${(e as Error).message}`);
    }
  }
  return { kills: opts.kills, failures, outcomes, maxLeftovers, seconds: Math.round((performance.now() - t0) / 1000) };
}
