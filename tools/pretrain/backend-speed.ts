/**
 * Times full training steps (forward, causal-LM loss, backward, AdamW) of a GPT-2 shaped like the
 * base model on one backend, to choose where to pretrain.
 *
 *   node --conditions=@peft/source --import tsx tools/pretrain/backend-speed.ts webgpu 128 2048 128 8
 *   (arguments: backend, d_model, vocabulary, sequence length, batch)
 */
import { AdamW, Generator, fromArray, manualSeed, tidy } from '../../packages/core/src/index.js';
import { initBackend, releaseNodeGPU } from '../../packages/core/src/node.js';
import { createModel } from '../../packages/models/src/index.js';

const [which = 'webgpu', d = '128', vocab = '2048', seq = '128', batch = '8'] = process.argv.slice(2);
const backend = await initBackend({ prefer: which as 'cpu' | 'webgpu' });
manualSeed(1);
const config = { model_type: 'gpt2', vocab_size: +vocab, n_embd: +d, n_layer: 4, n_head: 4, n_positions: 256, embd_pdrop: 0, attn_pdrop: 0, resid_pdrop: 0 };
const model = createModel(config, { backend });
model.train();
const opt = new AdamW([...model.parameters()], { lr: 1e-3 });
const g = new Generator(3);
const [B, S] = [+batch, +seq];
const ids = fromArray(Array.from(g.uniform(B * S), (u) => Math.floor(u * +vocab)), [B, S], { dtype: 'i32', backend });
const times: number[] = [];
for (let i = 0; i < 6; i++) {
  const t = performance.now();
  const loss = tidy(() => {
    const out = model.forward({ inputIds: ids, labels: ids });
    out.loss!.backward();
    return out.loss!.detach();
  });
  opt.step();
  opt.zeroGrad();
  await loss.item();
  loss.dispose();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const ms = times[3];
console.log(`${backend.name} d ${d} vocab ${vocab} [${B}, ${S}]: median ${ms.toFixed(0)} ms per step, ${((B * S * 1000) / ms).toFixed(0)} tokens/s`);
backend.destroy();
releaseNodeGPU();
