/**
 * Peak live bytes and time of a language model head's loss and backward, through the full logits
 * (`crossEntropy(linear(h, W), t)`) against `linearCrossEntropy` in chunks, at GPT-2's vocabulary.
 *
 *   node --conditions=@peft/source --import tsx tools/measure-linear-cross-entropy.ts [cpu|webgpu] [rows] [d] [vocab]
 *
 * The peak counts every buffer the backend allocates between `resetPeak()` and the end of backward
 * (inputs excluded); times include reading the loss and the gradients back. Every setting runs twice
 * (cold, then warm: on WebGPU the first run of a shape compiles its pipelines).
 */
import { type Tensor, fromArray, tidy } from '../src/index.js';
import { initBackend } from '../src/node.js';
import { crossEntropy, defaultCrossEntropyChunk, linear, linearCrossEntropy } from '../src/plugin.js';

const [kind = 'cpu', rowsArg = '512', dArg = '64', vocabArg = '50257'] = process.argv.slice(2);
const [rows, d, vocab] = [Number(rowsArg), Number(dArg), Number(vocabArg)];
const backend = await initBackend({ prefer: kind === 'webgpu' ? 'webgpu' : 'cpu', requireWebGPU: kind === 'webgpu' });
let seed = 1;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
const hostH = Float32Array.from({ length: rows * d }, rnd);
const hostW = Float32Array.from({ length: vocab * d }, () => rnd() * 0.1);
const hostT = Int32Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? -100 : Math.floor(((rnd() + 1) / 2) * vocab)));

async function measure(label: string, chunk: number | null): Promise<void> {
  const h = fromArray(hostH, [rows, d], { backend, requiresGrad: true });
  const w = fromArray(hostW, [vocab, d], { backend, requiresGrad: true });
  const t = fromArray(hostT, [rows], { dtype: 'i32', backend });
  await backend.sync();
  backend.resetPeak();
  const base = backend.memory().liveBytes;
  const started = performance.now();
  const loss = tidy(() => {
    const l: Tensor = chunk === null ? crossEntropy(linear(h, w), t) : linearCrossEntropy(h, w, t, null, { chunkSize: chunk });
    l.backward();
    return l;
  });
  const value = (await loss.data())[0];
  await h.grad!.data();
  await w.grad!.data();
  const ms = performance.now() - started;
  const peak = backend.memory().peakBytes - base;
  console.log(`${label.padEnd(28)} loss ${value.toFixed(6)}  peak ${(peak / 2 ** 20).toFixed(1)} MiB  ${ms.toFixed(0)} ms`);
  for (const x of [loss, h, w, t]) x.dispose();
}

console.log(`${backend.description}: rows ${rows}, d ${d}, vocab ${vocab}; full f32 logits ${((rows * vocab * 4) / 2 ** 20).toFixed(1)} MiB`);
// each twice: the first run of a shape also compiles its WebGPU pipelines
for (const round of ['cold', 'warm']) {
  await measure(`full logits, ${round}`, null);
  for (const chunk of [defaultCrossEntropyChunk(vocab), 32]) await measure(`chunked (${chunk} rows), ${round}`, chunk);
}
backend.destroy();
