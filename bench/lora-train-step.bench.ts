/**
 * LoRA on a GPT-2-shaped model (vocab 512, d 128, 4 layers, 4 heads, MLP 4×) at [8, 64]: the median
 * time of one training step (forward, causal-LM loss, backward, AdamW) with LoRA r=8 on the attention
 * projections, against full fine-tuning; and the median forward time with the adapter unmerged, merged
 * into the weights, and of the base model alone.
 *
 * Every repetition is timed on its own and waits for its result (the loss or the logits are read back),
 * so the medians are per step, not averages over a queue of steps.
 */
import {
  AdamW,
  Generator,
  MethodRegistry,
  type Module,
  type Parameter,
  type PretrainedModel,
  type Tensor,
  fromArray,
  getPeftModel,
  manualSeed,
  noGrad,
  tidy,
} from '../packages/core/src/index.js';
import { lora, loraConfig } from '../packages/lora/src/index.js';
import { createModel } from '../packages/models/src/index.js';
import { type Metrics, defineBench, sig3 } from './harness.js';

const CONFIG = {
  model_type: 'gpt2',
  vocab_size: 512,
  n_embd: 128,
  n_layer: 4,
  n_head: 4,
  n_inner: 512,
  n_positions: 128,
  embd_pdrop: 0,
  attn_pdrop: 0,
  resid_pdrop: 0,
};
const BATCH = 8;
const SEQ = 64;
const TOKENS = BATCH * SEQ;
/** LoRA on the attention's fused qkv and its output projection; the MLP's `mlp.c_proj` is left alone. */
const LORA = { r: 8, loraAlpha: 16, loraDropout: 0, targetModules: '.*attn\\.c_(attn|proj)' };
/** The rows every run yields, in order: [phase, setup]. */
const ROWS = [
  ['train', 'full fine-tune'],
  ['train', 'lora unmerged'],
  ['forward', 'lora unmerged'],
  ['forward', 'lora merged'],
  ['forward', 'base'],
] as const;
/** A backend whose first warm-up step takes longer than this is skipped (its rows say so). */
const SLOW_STEP_MS = 20_000;

/** How many repetitions to run and for how long. */
interface Budget {
  readonly warmup: number;
  readonly minReps: number;
  readonly maxReps: number;
  readonly budgetMs: number;
}

/** Runs `once` `warmup` times untimed, then times each further call until the budget is spent; returns the median ms. */
async function medianMs(once: () => Promise<void>, b: Budget): Promise<{ ms: number; reps: number }> {
  for (let i = 0; i < b.warmup; i++) await once();
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < b.minReps || (times.length < b.maxReps && performance.now() - t0 < b.budgetMs)) {
    const s = performance.now();
    await once();
    times.push(performance.now() - s);
  }
  times.sort((x, y) => x - y);
  const mid = times.length >> 1;
  const ms = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { ms, reps: times.length };
}

function countParams(params: Iterable<Parameter>): number {
  let n = 0;
  for (const p of params) n += p.size;
  return n;
}

/** One training step: loss on `inputs` (labels = the inputs), backward, AdamW; waits for the loss. */
function trainStep(model: PretrainedModel, opt: AdamW, ids: Tensor): () => Promise<number> {
  return async () => {
    const loss = tidy(() => {
      const out = model.forward({ inputIds: ids, labels: ids });
      out.loss!.backward();
      return out.loss!.detach();
    });
    opt.step();
    opt.zeroGrad();
    const [v] = await loss.data();
    loss.dispose();
    return v;
  };
}

/** One no-grad forward; waits for the logits. */
function forwardOnce(model: PretrainedModel, ids: Tensor): () => Promise<void> {
  return async () => {
    const logits = tidy(() => noGrad(() => model.forward({ inputIds: ids }).logits));
    await logits.data();
    logits.dispose();
  };
}

function trainableOf(m: Module): Parameter[] {
  return [...m.parameters()].filter((p) => p.requiresGrad);
}

export default defineBench({
  name: 'lora-train-step',
  description: `LoRA r=8 (alpha 16, attn c_attn + c_proj) on GPT-2-shaped d 128, 4 layers, vocab 512 at [${BATCH}, ${SEQ}]: median ms per AdamW step vs full fine-tuning; forward unmerged / merged / base`,
  async *run({ backend }, { quick }) {
    const train: Budget = quick ? { warmup: 1, minReps: 2, maxReps: 3, budgetMs: 0 } : { warmup: 3, minReps: 5, maxReps: 30, budgetMs: 6000 };
    const infer: Budget = quick ? { warmup: 1, minReps: 3, maxReps: 3, budgetMs: 0 } : { warmup: 2, minReps: 5, maxReps: 40, budgetMs: 4000 };
    const g = new Generator(7);
    const ids = fromArray(Array.from(g.uniform(TOKENS), (u) => Math.floor(u * CONFIG.vocab_size)), [BATCH, SEQ], { dtype: 'i32', backend });
    const shape = { batch: BATCH, seq: SEQ };

    // Full fine-tuning first, on a model of its own; its first step decides whether this backend is too slow.
    manualSeed(11);
    const full = createModel(CONFIG, { backend });
    full.train();
    const fullParams = trainableOf(full);
    const fullOpt = new AdamW(fullParams, { lr: 1e-4 });
    const fullStep = trainStep(full, fullOpt, ids);
    const f0 = performance.now();
    await fullStep();
    const firstStepMs = performance.now() - f0;
    if (firstStepMs > SLOW_STEP_MS) {
      const note = `skipped: first step took ${Math.round(firstStepMs)} ms (> ${SLOW_STEP_MS})`;
      for (const [phase, setup] of ROWS) yield { phase, setup, ...shape, status: note };
      fullOpt.dispose();
      full.dispose();
      ids.dispose();
      return;
    }
    let lastLoss = 0;
    const fullT = await medianMs(async () => {
      lastLoss = await fullStep();
    }, train);
    const baseParams = countParams(fullParams);
    yield row('train', 'full fine-tune', fullT, baseParams, baseParams, { loss: sig3(lastLoss) });
    fullOpt.dispose();
    full.dispose();

    // The base model, then LoRA on it.
    manualSeed(11);
    const base = createModel(CONFIG, { backend });
    base.eval();
    const baseT = await medianMs(forwardOnce(base, ids), infer);

    const registry = new MethodRegistry().register(lora);
    const peft = await getPeftModel(base, loraConfig(LORA), { registry });
    peft.train();
    const loraParams = trainableOf(peft);
    const loraCount = countParams(loraParams);
    const peftCount = countParams(peft.parameters());
    const opt = new AdamW(loraParams, { lr: 1e-3 });
    const step = trainStep(peft, opt, ids);
    const loraT = await medianMs(async () => {
      lastLoss = await step();
    }, train);
    yield row('train', 'lora unmerged', loraT, loraCount, peftCount, { loss: sig3(lastLoss) });
    opt.dispose();

    peft.eval();
    yield row('forward', 'lora unmerged', await medianMs(forwardOnce(peft, ids), infer), loraCount, peftCount);
    peft.merge();
    yield row('forward', 'lora merged', await medianMs(forwardOnce(peft, ids), infer), loraCount, peftCount);
    yield row('forward', 'base', baseT, 0, baseParams);
    peft.dispose();
    ids.dispose();

    /** A measured row; `trainablePct` is of every parameter of the model, adapter weights included (as PEFT prints it). */
    function row(phase: string, setup: string, t: { ms: number; reps: number }, trainable: number, all: number, extra: Metrics = {}): Metrics {
      return {
        phase,
        setup,
        ...shape,
        trainable,
        trainablePct: sig3((100 * trainable) / all),
        msMedian: sig3(t.ms),
        tokensPerS: sig3(TOKENS / (t.ms / 1000)),
        reps: t.reps,
        ...extra,
        status: 'ok',
      };
    }
  },
});

