import { MetricsLog, memoryMetricsStore } from '../../../packages/train/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { mutateText } from '../fuzz-random.js';
import { sizeOf } from './seed-files.js';

const SEED = [
  { step: 1, loss: 2.5, learning_rate: 0.001, grad_norm: 1.25, tokens_per_second: 812 },
  { step: 2, loss: 2.25, learning_rate: 0.001 },
  { step: 2, eval_loss: 2.4, eval_perplexity: 11.02, eval_accuracy: null },
  { step: 3, loss: 2.125, epoch: 0.5 },
]
  .map((e) => `${JSON.stringify(e)}\n`)
  .join('');

/**
 * A run's `metrics.jsonl` mutated, opened as a resumed run opens it (`MetricsLog.open` with
 * `resumeFromStep`, which parses every line and rewrites the log without the later ones).
 *
 * @example
 * ```ts
 * await runFuzzTarget(metricsTarget, { seed: 1, count: 100 });
 * ```
 */
export const metricsTarget: FuzzTarget = {
  name: 'metrics',
  description: 'metrics.jsonl → MetricsLog.open({ resumeFromStep })',
  prepare() {
    return Promise.resolve((r) => {
      const clean = r.chance(0.03);
      const text = clean ? SEED : mutateText(r, SEED);
      const resumeFromStep = r.int(4);
      return {
        kind: clean ? 'clean' : 'mutated',
        bytes: sizeOf(text),
        run: async () => {
          const log = await MetricsLog.open(memoryMetricsStore(text), { resumeFromStep });
          await log.log({ step: resumeFromStep + 1, loss: 1 });
          await log.close();
        },
      };
    });
  },
};
