import { describe, expect, it } from 'vitest';
import { fromArray } from '../../ops/creation.js';
import * as ops from '../../ops/index.js';
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { testWebGPU } from '../../test-support/backends.js';
import { expectClose, readF64, referenceCpu } from '../../test-support/numeric.js';
import type { WebGPUBackend } from './webgpu-backend.js';

// GPT-2 small's embedding, [50257, 768] f32 = 154 MB: past the 128 MiB a software adapter binds, as a
// real checkpoint is. Rows around every 128 MiB boundary are read, as are the first and last.
const [V, D] = [50257, 768];
const gpu = (await testWebGPU()) as WebGPUBackend | null;
const table = Float32Array.from({ length: V * D }, (_, i) => Math.sin(i * 0.618) * 0.5);
const ids = [0, 1, 43689, 43690, 43691, 50256, 7, 43690];
const TOL = { rtol: 2e-5, atol: 2e-5 };

describe.each(gpu ? [{ name: gpu.description }] : [])('a tensor larger than the device binds (GPT-2 small embedding on $name)', () => {
  const on = (backend: 'gpu' | 'cpu', fn: (w: Tensor) => Tensor): Promise<Float64Array> => {
    const b = backend === 'gpu' ? gpu! : referenceCpu();
    const w = fromArray(table, [V, D], { backend: b });
    const out = tidy(() => fn(w));
    w.dispose();
    return readF64(out).finally(() => out.dispose());
  };

  it('is held in one buffer and counted in memory, though it spans more than one binding', () => {
    expect(V * D * 4).toBeGreaterThan(gpu!.maxBindingBytes);
    const before = gpu!.memory().liveBytes;
    const w = fromArray(table, [V, D], { backend: gpu! });
    expect(gpu!.memory().liveBytes - before).toBeGreaterThanOrEqual(V * D * 4);
    w.dispose();
  });

  it('gathers rows from both sides of every binding boundary, exactly', async () => {
    const got = await on('gpu', (w) => ops.embedding(w, fromArray(ids, [ids.length], { dtype: 'i32', backend: gpu! })));
    const want = ids.flatMap((r) => Array.from(table.subarray(r * D, (r + 1) * D)));
    expect(Array.from(got)).toEqual(want);
  });

  it('multiplies hidden states by the tied head as the CPU does (the LM head, cut by vocabulary columns)', async () => {
    const h = Float32Array.from({ length: 3 * D }, (_, i) => Math.cos(i * 0.37));
    const head = (b: 'gpu' | 'cpu') => on(b, (w) => ops.matmul(fromArray(h, [3, D], { backend: w.backend }), ops.transpose(w, 0, 1)));
    expectClose(await head('gpu'), await head('cpu'), TOL, 'logits', [3, V]);
  });

  it('gives the hidden-state gradient through the head as the CPU does (cut by blocks of the vocabulary)', async () => {
    const g = Float32Array.from({ length: 2 * V }, (_, i) => Math.sin(i * 0.11) * 1e-2);
    const back = (b: 'gpu' | 'cpu') => on(b, (w) => ops.matmul(fromArray(g, [2, V], { backend: w.backend }), w));
    expectClose(await back('gpu'), await back('cpu'), TOL, 'dHidden', [2, D]);
  });

  it('runs elementwise ops, reductions and strided reads over the whole tensor', async () => {
    expectClose(await on('gpu', (w) => ops.sum(ops.mul(w, w))), await on('cpu', (w) => ops.sum(ops.mul(w, w))), { rtol: 1e-4 }, 'sum of squares');
    expectClose(await on('gpu', (w) => ops.max(w, 0)), await on('cpu', (w) => ops.max(w, 0)), TOL, 'max over rows', [D]);
    // the last 3 rows' first 5 columns, read through a strided slice view
    const corner = (w: Tensor) => ops.slice(ops.transpose(w, 0, 1), [0, V - 3], [5, V]);
    expect(Array.from(await on('gpu', corner))).toEqual(Array.from(await on('cpu', corner)));
  });

  it('gives the gradient of a slice of the whole tensor (a pad larger than one binding), exactly', async () => {
    const w = fromArray(table, [V, D], { backend: gpu!, requiresGrad: true });
    tidy(() => ops.sum(ops.slice(w, [1, 0], [V, D], [1, 2])).backward());
    const g = await w.grad!.data();
    // row 0 and every odd column are outside the slice
    const wrong = g.findIndex((v, i) => v !== (i >= D && i % 2 === 0 ? 1 : 0));
    expect(wrong).toBe(-1);
    w.dispose();
  });
});
