/**
 * Forward and generation throughput of a GPT-2-shaped model (vocab 512, d 128, 4 layers, 4 heads) with
 * random weights: forward tokens/s on a [8, 64] batch, and generation tokens/s (KV cache, greedy).
 */
import { Generator, type Tensor, fromArray, noGrad, tidy } from '../packages/core/src/index.js';
import { createModel, generate } from '../packages/models/src/index.js';
import { defineBench, measure, sig3 } from './harness.js';

const CONFIG = { model_type: 'gpt2', vocab_size: 512, n_embd: 128, n_layer: 4, n_head: 4, n_positions: 256, embd_pdrop: 0, attn_pdrop: 0, resid_pdrop: 0 };
const BATCH = 8;
const SEQ = 64;

export default defineBench({
  name: 'gpt2-model',
  description: 'GPT-2-shaped model (vocab 512, d 128, 4 layers, 4 heads): forward tokens/s at [8, 64]; greedy generation tokens/s with the KV cache',
  async *run({ backend }, { quick }) {
    const model = createModel(CONFIG, { backend });
    model.eval();
    const g = new Generator(3);
    const ids = Array.from({ length: BATCH }, () => Array.from(g.uniform(SEQ), (u) => Math.floor(u * CONFIG.vocab_size)));
    const idsTensor = fromArray(ids.flat(), [BATCH, SEQ], { dtype: 'i32', backend });

    const forward = async (reps: number) => {
      let last: Tensor | null = null;
      for (let r = 0; r < reps; r++) {
        last?.dispose();
        last = tidy(() => noGrad(() => model.forward({ inputIds: idsTensor }).logits));
      }
      await last?.data();
      last?.dispose();
    };
    const f = await measure(forward, { budgetMs: quick ? 500 : 3000, maxReps: 100 });
    yield { phase: 'forward', batch: BATCH, seq: SEQ, msPerCall: sig3(f.ms), tokensPerS: sig3((BATCH * SEQ) / (f.ms / 1000)), reps: f.reps };

    const newTokens = quick ? 8 : 32;
    const prompt = ids.map((r) => r.slice(0, 16));
    const gen = async (reps: number) => {
      for (let r = 0; r < reps; r++) await generate(model, prompt, { maxNewTokens: newTokens, eosTokenIds: [] });
    };
    const gm = await measure(gen, { budgetMs: quick ? 500 : 3000, maxReps: 20 });
    yield { phase: 'generate', batch: BATCH, seq: 16 + newTokens, msPerCall: sig3(gm.ms), tokensPerS: sig3((BATCH * newTokens) / (gm.ms / 1000)), reps: gm.reps };
    const gen1 = async (reps: number) => {
      for (let r = 0; r < reps; r++) await generate(model, prompt.slice(0, 1), { maxNewTokens: newTokens, eosTokenIds: [] });
    };
    const g1 = await measure(gen1, { budgetMs: quick ? 500 : 3000, maxReps: 20 });
    yield { phase: 'generate', batch: 1, seq: 16 + newTokens, msPerCall: sig3(g1.ms), tokensPerS: sig3(newTokens / (g1.ms / 1000)), reps: g1.reps };
    idsTensor.dispose();
    model.dispose();
  },
});
