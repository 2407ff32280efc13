/**
 * Runs a slice of one target's inputs in a child process (forked by fuzz-cli-run.ts, the task as JSON
 * in argv) and sends each outcome, so that the parent can kill a child stuck in a synchronous loop
 * (which no in-process deadline can interrupt).
 */
import { runFuzzTarget } from './fuzz-runner.js';
import { ALL_FUZZ_TARGETS } from './targets/index.js';

/** The slice a worker runs. @example `{ target: 'adapter', seed: 1, start: 0, count: 100, deadlineMs: 2000 }` */
export interface FuzzWorkerTask {
  readonly target: string;
  readonly seed: number;
  readonly start: number;
  readonly count: number;
  readonly deadlineMs: number;
}

const send = process.send?.bind(process);
if (send) {
  const task = JSON.parse(process.argv[2]) as FuzzWorkerTask;
  const target = ALL_FUZZ_TARGETS.find((t) => t.name === task.target);
  if (!target) throw new Error(`fuzz: no target "${task.target}"`);
  send({ type: 'ready' });
  await runFuzzTarget(target, { ...task, onOutcome: (o) => send({ type: 'outcome', outcome: o }) });
  send({ type: 'done' }, () => process.disconnect());
}
