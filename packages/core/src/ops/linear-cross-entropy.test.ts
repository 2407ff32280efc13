import { describe, expect, it } from 'vitest';
import { tidy } from '../scope.js';
import { testOpBackends } from '../test-support/backends.js';
import { expectClose, host, rand, randInt, readF64, toTensor, type HostTensor } from '../test-support/numeric.js';
import { mul } from './elementwise.js';
import { embedding } from './indexing.js';
import { linearCrossEntropy, defaultCrossEntropyChunk } from './linear-cross-entropy.js';
import { crossEntropy } from './loss.js';
import { linear } from './matmul.js';

const backends = await testOpBackends();

/** Float32 rounding of a different summation order: the loss and gradients agree this closely. */
const TOL = { rtol: 1e-5, atol: 1e-7 };

interface Case {
  hidden: HostTensor;
  weight: HostTensor;
  targets: HostTensor;
  bias?: HostTensor;
}

function makeCase(rows: number, d: number, vocab: number, seed: number, withBias = false, ignored: (i: number) => boolean = () => false): Case {
  const t = randInt([rows], vocab, { seed: seed + 2 });
  return {
    hidden: rand([rows, d], { seed, low: -1, high: 1 }),
    weight: rand([vocab, d], { seed: seed + 1, low: -1, high: 1 }),
    targets: host(Array.from(t.values, (v, i) => (ignored(i) ? -100 : v)), [rows], 'i32'),
    bias: withBias ? rand([vocab], { seed: seed + 3, low: -0.5, high: 0.5 }) : undefined,
  };
}

/** Loss and the gradients of hidden, weight and bias, fused (with `chunkSize`) or through the full logits (`chunkSize` null). */
async function run(backend: Parameters<typeof toTensor>[1], c: Case, chunkSize: number | null, frozenWeight = false) {
  const h = toTensor(c.hidden, backend, true);
  const w = toTensor(c.weight, backend, !frozenWeight);
  const t = toTensor(c.targets, backend);
  const b = c.bias ? toTensor(c.bias, backend, true) : undefined;
  const loss = tidy(() => {
    const l = chunkSize === null ? crossEntropy(linear(h, w, b), t, { ignoreIndex: -100 }) : linearCrossEntropy(h, w, t, b, { chunkSize });
    l.backward();
    return l;
  });
  const out = {
    loss: await readF64(loss),
    dh: await readF64(h.grad!),
    dw: w.grad ? await readF64(w.grad) : null,
    db: b?.grad ? await readF64(b.grad) : null,
  };
  for (const x of [loss, h, w, t, b]) x?.dispose();
  return out;
}

describe.each(backends)('linearCrossEntropy on $name', ({ backend }) => {
  it.each([
    ['rows not a multiple of the chunk', 13, 4, false],
    ['a chunk larger than the rows', 7, 64, false],
    ['one row per chunk, with a bias', 5, 1, true],
    ['chunks of 3, with a bias', 11, 3, true],
  ])('equals crossEntropy(linear(...)) in loss and gradients: %s', async (_, rows, chunk, withBias) => {
    const c = makeCase(rows, 6, 37, 300 + rows, withBias, (i) => i % 5 === 2);
    const ref = await run(backend, c, null);
    const got = await run(backend, c, chunk);
    expectClose(got.loss, ref.loss, TOL, 'loss');
    expectClose(got.dh, ref.dh, TOL, 'dHidden');
    expectClose(got.dw!, ref.dw!, TOL, 'dWeight');
    if (withBias) expectClose(got.db!, ref.db!, TOL, 'dBias');
    else expect(got.db).toBeNull();
  });

  it('gives a chunk whose targets are all ignored no gradient and leaves it out of the mean', async () => {
    const c = makeCase(12, 5, 23, 410, false, (i) => i >= 4 && i < 8);
    const ref = await run(backend, c, null);
    const got = await run(backend, c, 4);
    expectClose(got.loss, ref.loss, TOL, 'loss');
    expectClose(got.dh, ref.dh, TOL, 'dHidden');
    expectClose(got.dw!, ref.dw!, TOL, 'dWeight');
    expect(Array.from(got.dh.subarray(4 * 5, 8 * 5)).every((v) => v === 0)).toBe(true);
  });

  it('takes u32 targets and another ignoreIndex as crossEntropy does', async () => {
    const hidden = toTensor(rand([9, 4], { seed: 470 }), backend);
    const weight = toTensor(rand([11, 4], { seed: 471 }), backend);
    const targets = toTensor(host([3, 1, 3, 10, 0, 3, 7, 2, 5], [9], 'u32'), backend);
    const ref = await readF64(crossEntropy(linear(hidden, weight), targets, { ignoreIndex: 3 }));
    const got = await readF64(linearCrossEntropy(hidden, weight, targets, null, { ignoreIndex: 3, chunkSize: 2 }));
    expectClose(got, ref, TOL, 'loss');
    for (const x of [hidden, weight, targets]) x.dispose();
  });

  it('is NaN when every target is ignored, as crossEntropy', async () => {
    const c = makeCase(6, 4, 9, 420, false, () => true);
    const [ref, got] = [await run(backend, c, null), await run(backend, c, 4)];
    expect(Number.isNaN(ref.loss[0])).toBe(true);
    expect(Number.isNaN(got.loss[0])).toBe(true);
  });

  it('computes no weight gradient for a frozen head, and the same hidden gradient', async () => {
    const c = makeCase(9, 4, 31, 430);
    const ref = await run(backend, c, null, true);
    const got = await run(backend, c, 4, true);
    expect(got.dw).toBeNull();
    expectClose(got.loss, ref.loss, TOL, 'loss');
    expectClose(got.dh, ref.dh, TOL, 'dHidden');
  });

  it('spends no memory on a weight gradient when the head is frozen', () => {
    const c = makeCase(8, 64, 2000, 440);
    const peakOf = (frozen: boolean): number => {
      const h = toTensor(c.hidden, backend, true);
      const w = toTensor(c.weight, backend, !frozen);
      const t = toTensor(c.targets, backend);
      backend.resetPeak();
      tidy(() => linearCrossEntropy(h, w, t, null, { chunkSize: 2 }).backward());
      const peak = backend.memory().peakBytes - backend.memory().liveBytes;
      for (const x of [h, w, t]) x.dispose();
      return peak;
    };
    // a weight gradient is [2000, 64] f32 = 512000 bytes; a chunk's logits only 2·2000·4
    expect(peakOf(true) + 2000 * 64 * 4).toBeLessThanOrEqual(peakOf(false));
  });

  it('adds the gradient of a head tied to the embedding to the embedding gradient', async () => {
    const c = makeCase(10, 4, 19, 450);
    const ids = randInt([10], 19, { seed: 451 });
    const grads = async (chunk: number | null) => {
      const w = toTensor(c.weight, backend, true);
      const t = toTensor(c.targets, backend);
      const i = toTensor(ids, backend);
      tidy(() => {
        const h = mul(embedding(w, i), 1.5);
        const l = chunk === null ? crossEntropy(linear(h, w), t) : linearCrossEntropy(h, w, t, null, { chunkSize: chunk });
        l.backward();
      });
      const g = await readF64(w.grad!);
      for (const x of [w, t, i]) x.dispose();
      return g;
    };
    expectClose(await grads(3), await grads(null), TOL, 'dWeight (tied)');
  });

  it('rejects mismatched shapes, dtypes and chunk sizes with clear errors', () => {
    const h = toTensor(rand([4, 3]), backend);
    const w = toTensor(rand([7, 3]), backend);
    const t = toTensor(host([1, 2, 3, 4], [4], 'i32'), backend);
    expect(() => linearCrossEntropy(h, toTensor(rand([7, 2]), backend), t)).toThrow(/hidden \[rows, d\] and weight \[vocab, d\]/);
    expect(() => linearCrossEntropy(h, w, toTensor(host([1, 2, 3], [3], 'i32'), backend))).toThrow(/targets of shape \[4\]/);
    expect(() => linearCrossEntropy(h, w, toTensor(rand([4]), backend))).toThrow(/i32 or u32 targets/);
    expect(() => linearCrossEntropy(h, w, t, toTensor(rand([6]), backend))).toThrow(/bias of shape \[7\]/);
    expect(() => linearCrossEntropy(h, w, t, null, { chunkSize: 0 })).toThrow(/positive integer/);
  });
});

describe('defaultCrossEntropyChunk', () => {
  it('keeps a chunk near 2^22 logits and at least one row', () => {
    expect(defaultCrossEntropyChunk(50257)).toBe(83);
    expect(defaultCrossEntropyChunk(1 << 23)).toBe(1);
    expect(defaultCrossEntropyChunk(10)).toBe(419430);
  });
});

// 512 × 5000 logits: tens of thousands of pieces at a few-KiB binding limit, more dispatches than lavapipe
// holds in flight; real devices cut a 128 MiB tensor into a handful, and the op tests above cover the pieces
describe.each(backends.filter((b) => !b.pieces))('linearCrossEntropy memory on $name', ({ backend }) => {
  it('keeps the logits of one chunk at a time: the peak during forward and backward is far below the full logits', () => {
    const [rows, d, vocab, chunk] = [512, 8, 5000, 16];
    const c = makeCase(rows, d, vocab, 460);
    const peakOf = (chunkSize: number | null): number => {
      const h = toTensor(c.hidden, backend, true);
      const w = toTensor(c.weight, backend, true);
      const t = toTensor(c.targets, backend);
      backend.resetPeak();
      const base = backend.memory().liveBytes;
      tidy(() => (chunkSize === null ? crossEntropy(linear(h, w), t) : linearCrossEntropy(h, w, t, null, { chunkSize })).backward());
      const peak = backend.memory().peakBytes - base;
      for (const x of [h, w, t]) x.dispose();
      return peak;
    };
    const logitsBytes = rows * vocab * 4;
    const unfused = peakOf(null);
    const fused = peakOf(chunk);
    expect(unfused).toBeGreaterThanOrEqual(logitsBytes);
    // a handful of [chunk, vocab] temporaries, two weight-sized gradients and the hidden gradient pieces
    expect(fused).toBeLessThan(8 * chunk * vocab * 4 + 2 * vocab * d * 4 + 2 * rows * d * 4);
    expect(fused * 4).toBeLessThan(unfused);
  });
});
