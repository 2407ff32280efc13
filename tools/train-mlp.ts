/**
 * The main job until the `peft` CLI exists: train a 2-layer MLP on WebGPU and watch the loss fall.
 *
 *   pnpm demo [--steps 300] [--cpu]
 *
 * The task is two interleaved spirals (a classic that a linear model cannot solve). The loss is read
 * back only every `--every` steps, so the steps in between run without waiting on the GPU.
 */
import { parseArgs } from 'node:util';
import {
  AdamW,
  GELU,
  Generator,
  Linear,
  Sequential,
  crossEntropy,
  fromArray,
  noGrad,
  tensor,
  tidy,
} from '../packages/core/src/index.js';
import { argmax, eq, mean } from '../packages/core/src/plugin.js';
import { initBackend, releaseNodeGPU } from '../packages/core/src/node.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '300' },
    every: { type: 'string', default: '25' },
    hidden: { type: 'string', default: '64' },
    seed: { type: 'string', default: '0' },
    cpu: { type: 'boolean', default: false },
  },
});
const steps = Number(args.steps);
const every = Number(args.every);
const hidden = Number(args.hidden);
const seed = Number(args.seed);

const backend = await initBackend({ prefer: args.cpu ? 'cpu' : 'webgpu' });
console.log(`backend: ${backend.name} — ${backend.description}`);

// Two spirals, 256 points each, with a little noise.
const gen = new Generator(seed);
const perClass = 256;
const noise = gen.normal(4 * perClass);
const points: number[] = [];
const labels: number[] = [];
for (let c = 0; c < 2; c++) {
  for (let i = 0; i < perClass; i++) {
    const t = (i / perClass) * 3 * Math.PI + 0.3;
    const r = t / (3 * Math.PI);
    const angle = t + c * Math.PI;
    points.push(r * Math.cos(angle) + 0.02 * noise[4 * i + 2 * c], r * Math.sin(angle) + 0.02 * noise[4 * i + 2 * c + 1]);
    labels.push(c);
  }
}
const x = fromArray(points, [2 * perClass, 2]);
const y = tensor(labels, { dtype: 'i32' });

const model = new Sequential(new Linear(2, hidden, { generator: gen }), new GELU(), new Linear(hidden, 2, { generator: gen }));
const opt = new AdamW(model.parameters(), { lr: 0.02, weightDecay: 0.0 });
console.log(`model: 2 → ${hidden} → 2 (${model.numParameters()} parameters), AdamW lr 0.02, ${steps} steps, full batch of ${2 * perClass}`);

const started = performance.now();
let first = NaN;
let last = NaN;
for (let step = 1; step <= steps; step++) {
  const loss = tidy(() => {
    const l = crossEntropy(model.forward(x), y);
    l.backward();
    return l;
  });
  opt.step();
  opt.zeroGrad();
  if (step === 1 || step % every === 0 || step === steps) {
    last = await loss.item(); // the only readback: every `every` steps
    if (step === 1) first = last;
    const elapsed = (performance.now() - started) / 1000;
    console.log(`step ${String(step).padStart(4)}  loss ${last.toFixed(4)}  (${(step / elapsed).toFixed(1)} steps/s)`);
  }
  loss.dispose();
}

const accuracy = await tidy(() => noGrad(() => mean(eq(argmax(model.forward(x), -1), y).cast('f32')))).item();
console.log(`loss ${first.toFixed(4)} → ${last.toFixed(4)}, training accuracy ${(accuracy * 100).toFixed(1)}%`);

model.dispose();
opt.dispose();
x.dispose();
y.dispose();
backend.destroy();
releaseNodeGPU();
if (!(last < first)) {
  console.error('the loss did not fall');
  process.exitCode = 1;
}
