/** Latency of one small op followed by reading its result: enqueue, submit, wait, map, copy back. */
import { fromArray, type Tensor } from '../packages/core/src/index.js';
import { add } from '../packages/core/src/plugin.js';
import { defineBench, measure, sig3 } from './harness.js';

const ELEMENTS = 16;

export default defineBench({
  name: 'roundtrip',
  description: `µs per submit + read round trip (one add of ${ELEMENTS} f32, then await data())`,
  async *run({ backend }, { quick }) {
    const x = fromArray(new Float32Array(ELEMENTS).fill(1), [ELEMENTS], { backend });
    const runOnce = async (reps: number) => {
      for (let r = 0; r < reps; r++) {
        const y: Tensor = add(x, x);
        await y.data();
        y.dispose();
      }
    };
    const { ms, reps } = await measure(runOnce, { budgetMs: quick ? 200 : 1000, minReps: 10, maxReps: 2000 });
    x.dispose();
    yield { usPerTrip: sig3(ms * 1000), reps };
  },
});
