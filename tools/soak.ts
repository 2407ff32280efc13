/**
 * `pnpm soak [--steps 1000] [--every 50] [--backend webgpu|cpu] [--model dir] [--json path]`: trains LoRA on the
 * tiny pretrained GPT-2 (packages/cli/assets/base-model) for many steps and prints the live GPU
 * buffers and the JS heap every `--every` steps; both must stay flat after warm-up (see soak-run.ts).
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
  },
});
const steps = Number(values.steps);
const every = Number(values.every);
const backend = await initBackend({ prefer: values.backend === 'cpu' ? 'cpu' : 'webgpu' });
const started = performance.now();
const samples = await runSoak(backend, { model: values.model, steps, every });
const seconds = Math.round((performance.now() - started) / 1000);
const head = ['step', 'live buffers', 'live MiB', 'pooled buffers', 'pooled MiB', 'heap MiB', 'loss', 'ms/step'];
const rows = samples.map((x) => [x.step, x.liveBuffers, x.liveMiB, x.pooledBuffers, x.pooledMiB, x.heapMiB, x.loss, x.msPerStep].map(String));
const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
console.log(`soak: ${steps} LoRA steps on ${describeBackend(backend)} in ${seconds} s`);
for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padStart(width[i])).join('  '));
const warmup = Math.min(2 * every, steps);
const growth = soakGrowth(samples, warmup);
console.log(`growth after step ${warmup}: ${growth.buffers} buffers, ${growth.liveMiB} MiB live, ${growth.heapMiB} MiB heap`);
mkdirSync(dirname(values.json), { recursive: true });
writeFileSync(values.json, `${JSON.stringify({ steps, every, backend: describeBackend(backend), seconds, warmup, growth, samples }, null, 2)}\n`);
console.log(`wrote ${values.json}`);
backend.destroy?.();
releaseNodeGPU();
