import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type FuzzOutcome, type FuzzTargetReport, summarizeOutcomes } from './fuzz-runner.js';
import type { FuzzWorkerTask } from './fuzz-worker.js';

/** How long a child may take to load its modules before its first input (a loaded machine compiles slowly). */
const STARTUP_MS = 120_000;

/**
 * Runs `count` inputs of one target in child processes under a watchdog: a child that reports nothing
 * for `watchdogMs` (a synchronous loop, which the per-input deadline cannot interrupt) is killed,
 * its current input counted as a hang, and a fresh child goes on with the next input.
 *
 * @example
 * ```ts
 * const report = await runTargetInWorkers('adapter', { seed: 1, count: 1000, deadlineMs: 2000, watchdogMs: 20000 });
 * ```
 */
export async function runTargetInWorkers(
  target: string,
  opts: { seed: number; count: number; deadlineMs: number; watchdogMs: number; onProgress?: (done: number) => void },
): Promise<FuzzTargetReport> {
  const outcomes: FuzzOutcome[] = [];
  let next = 0;
  while (next < opts.count) {
    const task: FuzzWorkerTask = { target, seed: opts.seed, start: next, count: opts.count - next, deadlineMs: opts.deadlineMs };
    const stuck = await new Promise<boolean>((resolve, reject) => {
      const worker = fork(fileURLToPath(new URL('./fuzz-worker.ts', import.meta.url)), [JSON.stringify(task)], {
        execArgv: ['--conditions=@peft/source', '--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      let timer: ReturnType<typeof setTimeout>;
      const arm = (ms = opts.watchdogMs): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          worker.kill('SIGKILL');
          resolve(true);
        }, ms);
      };
      // loading the targets' modules (TypeScript compiled on the fly) is not an input: the watchdog starts once the child is ready
      arm(STARTUP_MS);
      worker.on('message', (m: { type: 'outcome'; outcome: FuzzOutcome } | { type: 'done' } | { type: 'ready' }) => {
        if (m.type === 'ready') {
          arm();
          return;
        }
        if (m.type === 'done') {
          clearTimeout(timer);
          resolve(false);
          return;
        }
        outcomes.push(m.outcome);
        next = m.outcome.index + 1;
        opts.onProgress?.(outcomes.length);
        arm();
      });
      worker.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      worker.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL' && code !== 0) {
          clearTimeout(timer);
          reject(new Error(`fuzz: the ${target} child exited with ${signal ?? code} after input ${next - 1}`));
        }
      });
    });
    if (stuck) {
      outcomes.push({ index: next, outcome: 'hang', detail: `no result within the ${opts.watchdogMs} ms watchdog (the child was killed)`, milliseconds: opts.watchdogMs, inputBytes: 0, arrayBufferGrowth: 0 });
      next++;
    }
  }
  return summarizeOutcomes(target, outcomes);
}
