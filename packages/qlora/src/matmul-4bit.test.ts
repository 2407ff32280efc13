import { describe, expect, it } from 'vitest';
import type { Matmul4bit } from './kernels/matmul-4bit-spec.js';
import { createCpuBackend, tensor } from '@peft/core';
import { matmul, transpose } from '@peft/core/plugin';
import { checkGradients, expectClose, rand, testBackends } from '@peft/core/testing';
import { matmul4bit } from './matmul-4bit.js';

const NF4 = [
  -1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0,
  0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
  0.7229568362236023, 1,
];

/** Random codes packed bitsandbytes-style (high nibble first) into little-endian u32 words, and the float32 matrix they stand for. */
function randomQuantized(rows: number, cols: number, blocksize: number, seed: number) {
  let s = seed;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const numel = rows * cols;
  const bytes = new Uint8Array(Math.ceil(numel / 8) * 4);
  const codes = Array.from({ length: numel }, () => Math.floor(rnd() * 16));
  codes.forEach((c, e) => (bytes[e >> 1] |= e % 2 === 0 ? c << 4 : c));
  const absmax = Float32Array.from({ length: Math.ceil(numel / blocksize) }, () => 0.01 + rnd());
  const dense = Float32Array.from(codes, (c, e) => Math.fround(NF4[c]) * absmax[Math.floor(e / blocksize)]);
  return { words: new Uint32Array(bytes.buffer), absmax, dense, codes };
}

const shapes = [
  { rows: 48, cols: 64, blocksize: 64, transpose: true, x: [5, 64] },
  { rows: 48, cols: 64, blocksize: 32, transpose: false, x: [2, 3, 48] },
  { rows: 7, cols: 37, blocksize: 32, transpose: true, x: [6, 37] },
  { rows: 37, cols: 7, blocksize: 128, transpose: false, x: [9, 37] },
  // several row and column tiles with ragged edges, blocks of one word, blocks across rows, one block per tile row
  { rows: 72, cols: 160, blocksize: 32, transpose: true, x: [70, 160] },
  { rows: 96, cols: 40, blocksize: 8, transpose: false, x: [37, 96] },
  { rows: 24, cols: 40, blocksize: 64, transpose: true, x: [3, 40] },
  { rows: 24, cols: 128, blocksize: 64, transpose: false, x: [21, 24] },
];

describe('matmul4bit on the cpu reference', () => {
  it.each(shapes)('equals dequantise-then-matmul bit for bit ([$rows, $cols], blocksize $blocksize, transpose $transpose)', async (c) => {
    const cpu = createCpuBackend();
    const q = randomQuantized(c.rows, c.cols, c.blocksize, 7);
    const spec: Matmul4bit = { code: NF4, blocksize: c.blocksize, rows: c.rows, cols: c.cols, transpose: c.transpose };
    const xs = Float32Array.from({ length: c.x.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 0.7));
    const x = tensor(xs, { backend: cpu }).reshape(c.x);
    const d = tensor(q.dense, { backend: cpu }).reshape([c.rows, c.cols]);
    const got = await matmul4bit(x, tensor(q.words, { dtype: 'u32', backend: cpu }), tensor(q.absmax, { backend: cpu }), spec).data();
    const want = await matmul(x, c.transpose ? transpose(d) : d).data();
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it('names the sizes when x does not fit the quantised matrix, and rejects a block size that is not a power of two', () => {
    const cpu = createCpuBackend();
    const q = randomQuantized(8, 32, 32, 1);
    const spec: Matmul4bit = { code: NF4, blocksize: 32, rows: 8, cols: 32, transpose: true };
    const x = tensor(new Float32Array(16), { backend: cpu }).reshape([2, 8]);
    expect(() => matmul4bit(x, tensor(q.words, { dtype: 'u32', backend: cpu }), tensor(q.absmax, { backend: cpu }), spec)).toThrow(
      'matmul4bit: x must end in the inner size 32, got x [2, 8]',
    );
    const x32 = tensor(new Float32Array(64), { backend: cpu }).reshape([2, 32]);
    expect(() => matmul4bit(x32, tensor(q.words, { dtype: 'u32', backend: cpu }), tensor(q.absmax, { backend: cpu }), { ...spec, blocksize: 48 })).toThrow(
      'matmul4bit: expected a power-of-two blocksize of at least 8, got 48',
    );
  });
});

/** An 8-bit scale code table (any 256 values) and scales double-quantised with it in nested blocks of 4. */
const DQ_CODE = Array.from({ length: 256 }, (_, i) => Math.fround((i - 127.5) / 128));
function doubleQuantized(rows: number, cols: number, blocksize: number, seed: number) {
  const base = randomQuantized(rows, cols, blocksize, seed);
  const blocks = base.absmax.length;
  const codes = Uint8Array.from({ length: Math.ceil(blocks / 4) * 4 }, (_, b) => (b * 37 + seed) % 256);
  const outer = Float32Array.from({ length: Math.ceil(blocks / 4) }, (_, i) => 0.1 + i / 16);
  const offset = Math.fround(0.7);
  const scales = Float32Array.from({ length: blocks }, (_, b) => Math.fround(DQ_CODE[codes[b]] * outer[b >> 2]) + offset);
  const dense = Float32Array.from(base.codes, (c, e) => Math.fround(NF4[c]) * scales[Math.floor(e / blocksize)]);
  return { words: base.words, scaleWords: new Uint32Array(codes.buffer), outer, offset, dense };
}

const backends = await testBackends();

describe.each([...backends])('matmul4bit with double-quantised scales on $name', ({ backend }) => {
  it.each(shapes)('equals dequantise-then-matmul ([$rows, $cols], blocksize $blocksize, transpose $transpose)', async (c) => {
    const cpu = createCpuBackend();
    const q = doubleQuantized(c.rows, c.cols, c.blocksize, 3);
    const spec: Matmul4bit = { code: NF4, blocksize: c.blocksize, rows: c.rows, cols: c.cols, transpose: c.transpose, nested: { code: DQ_CODE, blocksize: 4, offset: q.offset } };
    const xs = Float32Array.from({ length: c.x.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 0.3));
    const got = await matmul4bit(
      tensor(xs, { backend }).reshape(c.x),
      tensor(q.words, { dtype: 'u32', backend }),
      tensor(q.scaleWords, { dtype: 'u32', backend }),
      spec,
      tensor(q.outer, { backend }),
    ).data();
    const d = tensor(q.dense, { backend: cpu }).reshape([c.rows, c.cols]);
    const want = await matmul(tensor(xs, { backend: cpu }).reshape(c.x), c.transpose ? transpose(d) : d).data();
    if (backend.name === 'cpu') expect(Array.from(got)).toEqual(Array.from(want));
    else expectClose(got, want, { atol: 1e-4, rtol: 1e-5 });
  });
});

describe.each(backends)('matmul4bit on $name', ({ backend }) => {
  it.each(shapes)('matches the cpu reference ([$rows, $cols], blocksize $blocksize, transpose $transpose)', async (c) => {
    const cpu = createCpuBackend();
    const q = randomQuantized(c.rows, c.cols, c.blocksize, 11);
    const spec: Matmul4bit = { code: NF4, blocksize: c.blocksize, rows: c.rows, cols: c.cols, transpose: c.transpose };
    const xs = Float32Array.from({ length: c.x.reduce((a, b) => a * b) }, (_, i) => Math.cos(i * 0.3));
    const run = (b: typeof backend) =>
      matmul4bit(tensor(xs, { backend: b }).reshape(c.x), tensor(q.words, { dtype: 'u32', backend: b }), tensor(q.absmax, { backend: b }), spec).data();
    expectClose(await run(backend), await run(cpu), { atol: 1e-4, rtol: 1e-5 });
  });
});

/** A 4-bit matrix [5, 64] (blocks of 32) with an arbitrary code table, for the gradient check. */
const Q4: Matmul4bit = { code: Array.from({ length: 16 }, (_, i) => (i - 7.5) / 8), blocksize: 32, rows: 5, cols: 64, transpose: true };
const q4Words = Uint32Array.from({ length: 40 }, (_, i) => Math.imul(i + 1, 2654435761) >>> 0);
const q4Scales = Float32Array.from({ length: 10 }, (_, i) => 0.5 + i / 4);

describe.each(backends)('the gradient of matmul4bit on $name', ({ backend }) => {
  it('matches finite differences through both orientations of the quantised matrix', async () => {
    await checkGradients(
      backend,
      (x) => {
        const w = tensor(q4Words, { dtype: 'u32', backend: x.backend });
        const a = tensor(q4Scales, { backend: x.backend });
        // x @ Dᵀ, then the result times D
        return matmul4bit(matmul4bit(x, w, a, Q4), w, a, { ...Q4, transpose: false });
      },
      [rand([3, 64], { seed: 50 })],
    );
  });
});
