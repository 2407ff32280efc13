/** f32 matrix product throughput, n×n · n×n. */
import { tidy, uniform, type Tensor } from '../packages/core/src/index.js';
import { matmul, slice } from '../packages/core/src/plugin.js';
import { defineBench, measure, sig3 } from './harness.js';

const SIZES = [256, 512, 1024, 2048];
/** The TypeScript CPU backend needs ~10 s per 2048³ product: a quick run stops below that. */
const QUICK_CPU_MAX = 1024;

export default defineBench({
  name: 'matmul',
  description: 'f32 n×n matrix product, GFLOP/s (2n³ flops per product)',
  async *run({ name, backend }, { quick }) {
    for (const n of SIZES) {
      if (quick && name === 'cpu' && n > QUICK_CPU_MAX) continue;
      const a = uniform([n, n], { backend });
      const b = uniform([n, n], { backend });
      // enqueue `reps` products, then read one element of the last one: that waits for all of them
      const runOnce = async (reps: number) => {
        const last = tidy(() => {
          let c: Tensor = matmul(a, b);
          for (let i = 1; i < reps; i++) c = matmul(a, b);
          return slice(c, [0, 0], [1, 1]);
        });
        await last.data();
        last.dispose();
      };
      const { ms, reps } = await measure(runOnce, { budgetMs: quick ? 250 : 1500, maxReps: 50 });
      a.dispose();
      b.dispose();
      yield { size: n, gflops: sig3((2 * n ** 3) / (ms * 1e6)), ms: sig3(ms), reps };
    }
  },
});
