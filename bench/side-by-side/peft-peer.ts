/** The @peft side of the side-by-side run: the GPT-2 model of @peft/models with @peft/lora, on a given backend. */
import {
  AdamW,
  type Backend,
  Generator,
  MethodRegistry,
  type Parameter,
  type PretrainedModel,
  type Tensor,
  fromArray,
  getPeftModel,
  manualSeed,
  noGrad,
  tidy,
} from '../../packages/core/src/index.js';
import { mul } from '../../packages/core/src/plugin.js';
import { WebGPUBackend } from '../../packages/core/src/backend.js';
import { lora, loraConfig } from '../../packages/lora/src/index.js';
import { createModel, generate } from '../../packages/models/src/index.js';
import { type Peer, timeEach } from './peer.js';
import { WORKLOAD as W } from './workload.js';

const CONFIG = {
  model_type: 'gpt2',
  vocab_size: W.vocab,
  n_embd: W.dModel,
  n_layer: W.layers,
  n_head: W.heads,
  n_inner: W.inner,
  n_positions: W.positions,
  embd_pdrop: 0,
  attn_pdrop: 0,
  resid_pdrop: 0,
};
const LORA = { r: W.rank, loraAlpha: W.alpha, loraDropout: 0, targetModules: '.*attn\\.c_(attn|proj)' };

/** Random token ids `[rows, cols]` from a seeded generator. */
export function randomIds(seed: number, rows: number, cols: number): number[][] {
  const u = new Generator(seed).uniform(rows * cols);
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => Math.floor(u[r * cols + c] * W.vocab)));
}

/** Builds the @peft peer on `backend`, named `name`. */
export async function createPeftPeer(name: string, backend: Backend, device: string): Promise<Peer> {
  const rows = randomIds(7, W.batch, W.seq);
  const ids: Tensor = fromArray(rows.flat(), [W.batch, W.seq], { dtype: 'i32', backend });
  const registry = new MethodRegistry().register(lora);
  const model = () => {
    manualSeed(11);
    const m = createModel(CONFIG, { backend });
    // embeddings start at N(0, 1) like torch.nn.Embedding; GPT-2 (and the other peers) use std 0.02,
    // which keeps the tied head's logits, and so the loss, in a sane range
    const scaled = new Set<Parameter>();
    for (const [name, p] of m.namedParameters()) {
      if (!/wte|wpe/.test(name) || scaled.has(p)) continue;
      scaled.add(p);
      const v = noGrad(() => mul(p, 0.02));
      p.assign(v);
      v.dispose();
    }
    return m;
  };
  const peft = await getPeftModel(model(), loraConfig(LORA), { registry, generator: new Generator(5) });
  const params = [...peft.parameters()].filter((p) => p.requiresGrad);
  const opt = new AdamW(params, { lr: W.lr, weightDecay: W.weightDecay });
  const merged = await getPeftModel(model(), loraConfig(LORA), { registry, generator: new Generator(5) });
  merged.merge();
  merged.eval();
  const prompts = randomIds(9, W.batch, W.genPrompt);
  let loss = Number.NaN;

  // switch modes only when they change, as a training loop would (train() walks the module tree)
  let mode: 'train' | 'eval' | null = null;
  const use = (m: 'train' | 'eval') => {
    if (mode === m) return;
    if (m === 'train') peft.train();
    else peft.eval();
    mode = m;
  };

  async function step(): Promise<void> {
    use('train');
    const l = tidy(() => {
      const out = peft.forward({ inputIds: ids, labels: ids });
      out.loss!.backward();
      return out.loss!.detach();
    });
    opt.step();
    opt.zeroGrad();
    [loss] = await l.data();
    l.dispose();
  }
  async function forward(model: PretrainedModel): Promise<void> {
    if (model === peft) use('eval');
    const logits = tidy(() => noGrad(() => model.forward({ inputIds: ids }).logits));
    await logits.data();
    logits.dispose();
  }
  return {
    name,
    device,
    trainSteps: (n) => timeEach(n, step),
    forwards: (m, n) => timeEach(n, () => forward(m ? merged : peft)),
    generations: (n) =>
      timeEach(n, async () => {
        use('eval');
        await generate(peft, prompts, { maxNewTokens: W.genNew, eosTokenIds: [] });
      }),
    async profileStep() {
      if (!(backend instanceof WebGPUBackend)) return null;
      await step();
      backend.startProfile();
      await step();
      return backend.stopProfile();
    },
    lastLoss: () => loss,
    async close() {
      opt.dispose();
      peft.dispose();
      merged.dispose();
      ids.dispose();
    },
  };
}
