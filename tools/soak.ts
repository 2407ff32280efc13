/**
 * `pnpm soak [--steps 1000] [--every 50] [--backend webgpu|cpu] [--model dir] [--json path]
 * [--batch 4] [--length 32] [--targets c_attn,c_proj,c_fc] [--r 8] [--dropout 0.05] [--checkpointing]`:
 * trains LoRA on a model folder (by default the tiny pretrained GPT-2 of packages/cli/assets/base-model)
 * for many steps and prints the live and pooled GPU buffers, the JS heap and the resident memory every
 * `--every` steps; buffers and heap must stay flat after warm-up (see soak-run.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend, releaseNodeGPU } from '../packages/core/src/node.js';
import { describeBackend } from './soak-describe.js';
import { runSoak, soakGrowth } from './soak-run.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000' },
    every: { type: 'string', default: '50' },
    backend: { type: 'string', default: 'webgpu' },
    json: { type: 'string', default: 'tmp/soak.json' },
    model: { type: 'string', default: 'packages/cli/assets/base-model' },
    batch: { type: 'string', default: '4' },
    length: { type: 'string', default: '32' },
    targets: { type: 'string', default: 'c_attn,c_proj,c_fc' },
    r: { type: 'string', default: '8' },
    dropout: { type: 'string', default: '0.05' },
    checkpointing: { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);
const every = Number(values.every);
const backend = await initBackend({ prefer: values.backend === 'cpu' ? 'cpu' : 'webgpu' });
const started = performance.now();
const config = {
  model: values.model,
  steps,
  every,
  batchSize: Number(values.batch),
  length: Number(values.length),
  targetModules: values.targets.split(','),
  r: Number(values.r),
  dropout: Number(values.dropout),
  gradientCheckpointing: values.checkpointing,
};
console.log(`soak: ${JSON.stringify(config)}`);
const samples = await runSoak(backend, config);
const seconds = Math.round((performance.now() - started) / 1000);
const head = ['step', 'live buffers', 'live MiB', 'pooled buffers', 'pooled MiB', 'heap MiB', 'RSS MiB', 'loss', 'ms/step'];
const rows = samples.map((x) => [x.step, x.liveBuffers, x.liveMiB, x.pooledBuffers, x.pooledMiB, x.heapMiB, x.rssMiB, x.loss, x.msPerStep].map(String));
const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
console.log(`soak: ${steps} LoRA steps on ${describeBackend(backend)} in ${seconds} s`);
for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padStart(width[i])).join('  '));
const warmup = Math.min(2 * every, steps);
const growth = soakGrowth(samples, warmup);
console.log(`growth after step ${warmup}: ${growth.buffers} buffers, ${growth.liveMiB} MiB live, ${growth.heapMiB} MiB heap`);
mkdirSync(dirname(values.json), { recursive: true });
writeFileSync(values.json, `${JSON.stringify({ config, backend: describeBackend(backend), seconds, warmup, growth, samples }, null, 2)}\n`);
console.log(`wrote ${values.json}`);
backend.destroy?.();
releaseNodeGPU();
