/**
 * f32 matmul throughput per WebGPU kernel family (register, tiled, texture) on the shapes training
 * uses: squares, a Linear forward x·Wᵀ, the LoRA projections and the backward products (transposed
 * operands are views; the texture kernel's copies or packing passes are part of the time).
 * `gflopPerCpuS` divides by the process's CPU time instead of wall time: on a software adapter that
 * shares its cores with other work it moves much less than `gflops` between runs.
 */
import { type Tensor, tidy, uniform } from '../packages/core/src/index.js';
import { matmul, slice, transpose } from '../packages/core/src/plugin.js';
import {
  type MatmulKernelName,
  chooseMatmulKernel,
  forceMatmulKernel,
  matmulDeviceProfile,
} from '../packages/core/src/backends/webgpu/kernels/matmul-select.js';
import { defineBench, measure, sig3 } from './harness.js';

/** A product `op(A) · op(B)`; `ta`/`tb` mean the operand is stored transposed and used through a view. */
interface Case {
  readonly name: string;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly ta?: boolean;
  readonly tb?: boolean;
  readonly batch?: number;
}

const CASES: Case[] = [
  { name: 'square', m: 256, k: 256, n: 256 },
  { name: 'square', m: 512, k: 512, n: 512 },
  { name: 'square', m: 1024, k: 1024, n: 1024 },
  { name: 'square', m: 2048, k: 2048, n: 2048 },
  { name: 'x·Wᵀ', m: 4096, k: 768, n: 768, tb: true },
  { name: 'g·W (dx)', m: 4096, k: 768, n: 768 },
  { name: 'gᵀ·x (dW)', m: 768, k: 4096, n: 768, ta: true },
  { name: 'x·Aᵀ (LoRA down)', m: 4096, k: 768, n: 8, tb: true },
  { name: 't·Bᵀ (LoRA up)', m: 4096, k: 8, n: 768, tb: true },
  { name: 'Q·Kᵀ (batched)', m: 256, k: 64, n: 256, tb: true, batch: 48 },
  { name: 'square, both transposed', m: 1024, k: 1024, n: 1024, ta: true, tb: true },
];
const QUICK = new Set(['square 512', 'x·Wᵀ', 'x·Aᵀ (LoRA down)']);
const KERNELS: MatmulKernelName[] = ['register', 'tiled', 'texture'];
/** Workgroup-memory kernels crawl on CPU adapters (barriers become coroutines): cap their work there. */
const SLOW_FLOPS = 3e8;

export default defineBench({
  name: 'matmul-kernels',
  description: 'f32 matmul GFLOP/s per kernel family and training shape (auto = what matmul picks)',
  async *run({ name, backend }, { quick }) {
    if (name !== 'webgpu') return;
    const device = (backend as { device?: GPUDevice }).device;
    if (!device) return;
    const profile = matmulDeviceProfile(device, true);
    for (const c of CASES) {
      const label = c.name === 'square' ? `square ${c.m}` : c.name;
      if (quick && !QUICK.has(label)) continue;
      const batch = c.batch ? [c.batch] : [];
      const a = uniform(c.ta ? [...batch, c.k, c.m] : [...batch, c.m, c.k], { backend });
      const b = uniform(c.tb ? [...batch, c.n, c.k] : [...batch, c.k, c.n], { backend });
      const flops = 2 * c.m * c.n * c.k * (c.batch ?? 1);
      const auto = chooseMatmulKernel(profile, c.m, c.n, c.k, 'f32');
      for (const kernel of KERNELS) {
        if (kernel === 'texture' && !profile.subgroupSize) continue;
        if (kernel === 'tiled' && profile.software && flops > SLOW_FLOPS) continue;
        forceMatmulKernel(kernel);
        try {
          let cpuSeconds = 0;
          const runOnce = async (reps: number) => {
            const cpu0 = process.cpuUsage();
            const last = tidy(() => {
              const x = c.ta ? transpose(a) : a;
              const y = c.tb ? transpose(b) : b;
              let out: Tensor = matmul(x, y);
              for (let i = 1; i < reps; i++) out = matmul(x, y);
              return slice(out, [...batch.map(() => 0), 0, 0], [...batch.map(() => 1), 1, 1]);
            });
            await last.data();
            last.dispose();
            const cpu = process.cpuUsage(cpu0);
            cpuSeconds = (cpu.user + cpu.system) / 1e6 / reps;
          };
          const { ms, reps } = await measure(runOnce, { budgetMs: quick ? 300 : 1500, maxReps: 50 });
          yield { shape: label, mkn: `${c.batch ? `${c.batch}×` : ''}${c.m}×${c.k}×${c.n}`, kernel: kernel === auto ? `${kernel} (auto)` : kernel, gflops: sig3(flops / (ms * 1e6)), ms: sig3(ms), reps, gflopPerCpuS: sig3(flops / 1e9 / cpuSeconds) };
        } finally {
          forceMatmulKernel(null);
        }
      }
      a.dispose();
      b.dispose();
    }
  },
});
