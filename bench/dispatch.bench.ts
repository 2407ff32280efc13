/** Per-op cost of many small kernels enqueued in one batch and waited for once. */
import { fromArray, tidy, type Tensor } from '../packages/core/src/index.js';
import { add } from '../packages/core/src/plugin.js';
import { defineBench, measure, sig3 } from './harness.js';

const ELEMENTS = 1024;

export default defineBench({
  name: 'dispatch',
  description: `µs per small op (add of ${ELEMENTS} f32) in a chain of dependent ops, one wait at the end`,
  async *run({ backend }, { quick }) {
    const ops = quick ? 200 : 1000;
    const x = fromArray(new Float32Array(ELEMENTS).fill(1), [ELEMENTS], { backend });
    const runOnce = async (reps: number) => {
      for (let r = 0; r < reps; r++) {
        const y = tidy(() => {
          let acc: Tensor = x;
          for (let i = 0; i < ops; i++) acc = add(acc, x);
          return acc;
        });
        await y.data();
        y.dispose();
      }
    };
    const { ms, reps } = await measure(runOnce, { budgetMs: quick ? 250 : 1500, maxReps: 20 });
    x.dispose();
    yield { ops, usPerOp: sig3((ms * 1000) / ops), batchMs: sig3(ms), reps };
  },
});
