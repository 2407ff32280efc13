import type { FuzzTarget } from '../fuzz-runner.js';

/**
 * A target that misbehaves on purpose, to show that the runner catches each kind of failure: input 1
 * spins synchronously forever (only the CLI's watchdog can stop it), input 2 throws a TypeError (a
 * crash), input 3 never settles (the per-input deadline), the others load. Not in the default run;
 * `pnpm fuzz --only selftest --count 5` exercises it.
 *
 * @example
 * ```ts
 * await runTargetInWorkers('selftest', { seed: 1, count: 5, deadlineMs: 500, watchdogMs: 3000 });
 * ```
 */
export const selftestTarget: FuzzTarget = {
  name: 'selftest',
  description: 'deliberate failures: a synchronous loop, a TypeError, a promise that never settles, an unobserved rejection',
  prepare() {
    return Promise.resolve((_r, i) => {
      return {
        kind: ['loads', 'spins', 'throws', 'never settles', 'drops a rejection'][Math.min(i, 5)] ?? 'loads',
        bytes: 1,
        run: () => {
          if (i === 1) for (;;);
          if (i === 2) return Promise.reject(new TypeError('deliberate'));
          if (i === 3) return new Promise<void>(() => undefined);
          // resolves, but leaves behind a promise that rejects with nobody listening (a process-killing crash)
          if (i === 4) void Promise.reject(new RangeError('deliberate, unobserved'));
          return Promise.resolve();
        },
      };
    });
  },
};
