/** A full training step of a 2-layer MLP (forward, cross-entropy, backward, AdamW), waited for once per run. */
import { AdamW, GELU, Generator, Linear, Sequential, type Tensor, crossEntropy, fromArray, tensor, tidy } from '../packages/core/src/index.js';
import { defineBench, measure, sig3 } from './harness.js';

const CASES = [
  { batch: 64, width: 128, classes: 10 },
  { batch: 256, width: 512, classes: 10 },
];

export default defineBench({
  name: 'train-step',
  description: 'ms per training step of Linear–GELU–Linear with AdamW (no readback inside the steps)',
  async *run({ backend }, { quick }) {
    for (const { batch, width, classes } of quick ? CASES.slice(0, 1) : CASES) {
      const g = new Generator(1);
      const x = fromArray(g.normal(batch * width), [batch, width], { backend });
      const y = tensor(Array.from({ length: batch }, (_, i) => i % classes), { dtype: 'i32', backend });
      const model = new Sequential(
        new Linear(width, width, { generator: g, backend }),
        new GELU(),
        new Linear(width, classes, { generator: g, backend }),
      );
      const opt = new AdamW(model.parameters(), { lr: 1e-3 });
      const runOnce = async (reps: number) => {
        let last: Tensor | null = null;
        for (let r = 0; r < reps; r++) {
          last?.dispose();
          last = tidy(() => {
            const loss = crossEntropy(model.forward(x), y);
            loss.backward();
            return loss;
          });
          opt.step();
          opt.zeroGrad();
        }
        await last?.data();
        last?.dispose();
      };
      const { ms, reps } = await measure(runOnce, { budgetMs: quick ? 300 : 2000, maxReps: 200 });
      const flops = 6 * batch * (width * width + width * classes); // forward 2·, backward 4· per weight
      yield { batch, width, msPerStep: sig3(ms), gflops: sig3(flops / ms / 1e6), reps };
      model.dispose();
      opt.dispose();
      x.dispose();
      y.dispose();
    }
  },
});
