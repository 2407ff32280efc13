/**
 * LoRA on a GPT-2-shaped model (vocab 512, d 128, 4 layers, 4 heads, MLP 4×) at [8, 64]: the median
 * time of one training step (forward, causal-LM loss, backward, AdamW) with LoRA r=8 on the attention
 * projections, against full fine-tuning; and the median forward time with the adapter unmerged, merged
 * into the weights, and of the base model alone.
 *
 * Every repetition is timed on its own and waits for its result (the loss or the logits are read back),
 * so the medians are per step, not averages over a queue of steps. The workloads compared with each
 * other run interleaved (full vs LoRA steps; base vs unmerged vs merged forwards), so a busy machine
 * slows them alike. `maxDiffVsBase` (the trained adapter's effect on the logits) and
 * `maxDiffVsUnmerged` (merged against unmerged logits, which should agree to rounding) check that the
 * timed models are what they claim.
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

/** A median time per call and how many calls it came from. */
interface Timing {
  readonly ms: number;
  readonly reps: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Times several workloads interleaved, so that a busy machine slows them alike: each runs `warmup`
 * times untimed, then rounds run each once (the order rotating every round) until the budget is
 * spent. Returns each workload's median ms per call.
 */
async function medianEach(cases: readonly (() => Promise<void>)[], b: Budget): Promise<Timing[]> {
  for (const once of cases) for (let i = 0; i < b.warmup; i++) await once();
  const times: number[][] = cases.map(() => []);
  const t0 = performance.now();
  for (let round = 0; round < b.minReps || (round < b.maxReps && performance.now() - t0 < b.budgetMs); round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (k + round) % cases.length;
      const s = performance.now();
      await cases[i]();
      times[i].push(performance.now() - s);
    }
  }
  return times.map((t) => ({ ms: median(t), reps: t.length }));
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

/** The largest |a − b| between two models' logits on `ids`. */
async function maxAbsDiff(a: PretrainedModel, b: PretrainedModel, ids: Tensor): Promise<number> {
  const la = tidy(() => noGrad(() => a.forward({ inputIds: ids }).logits));
  const lb = tidy(() => noGrad(() => b.forward({ inputIds: ids }).logits));
  const [x, y] = [await la.data(), await lb.data()];
  la.dispose();
  lb.dispose();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
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
      for (const [phase, setup] of ROWS) yield { phase, setup, status: note, ...shape };
      fullOpt.dispose();
      full.dispose();
      ids.dispose();
      return;
    }

    // LoRA on a second copy of the same model; its steps alternate with the full fine-tuning ones.
    const registry = new MethodRegistry().register(lora);
    manualSeed(11);
    const peft = await getPeftModel(createModel(CONFIG, { backend }), loraConfig(LORA), { registry, generator: new Generator(5) });
    peft.train();
    const loraParams = trainableOf(peft);
    const opt = new AdamW(loraParams, { lr: 1e-3 });
    const loraStep = trainStep(peft, opt, ids);
    const losses = [0, 0];
    const [fullT, loraT] = await medianEach(
      [
        async () => {
          losses[0] = await fullStep();
        },
        async () => {
          losses[1] = await loraStep();
        },
      ],
      train,
    );
    const baseCount = countParams(fullParams);
    const loraCount = countParams(loraParams);
    const peftCount = countParams(peft.parameters());
    yield row('train', 'full fine-tune', fullT, baseCount, baseCount, { loss: sig3(losses[0]) });
    yield row('train', 'lora unmerged', loraT, loraCount, peftCount, { loss: sig3(losses[1]) });
    fullOpt.dispose();
    full.dispose();
    opt.dispose();

    // Inference: the trained adapter unmerged, the same adapter merged into a third copy, and the base model.
    peft.eval();
    manualSeed(11);
    const merged = await getPeftModel(createModel(CONFIG, { backend }), loraConfig(LORA), { registry });
    merged.loadStateDict(new Map([...peft.stateDict()].filter(([k]) => k.includes('.lora_'))), { strict: false });
    merged.merge();
    merged.eval();
    manualSeed(11);
    const base = createModel(CONFIG, { backend });
    base.eval();
    const mergeDiff = await maxAbsDiff(peft, merged, ids);
    const adapterEffect = await maxAbsDiff(peft, base, ids);
    const [baseT, unmergedT, mergedT] = await medianEach([forwardOnce(base, ids), forwardOnce(peft, ids), forwardOnce(merged, ids)], infer);
    yield row('forward', 'lora unmerged', unmergedT, loraCount, peftCount, { maxDiffVsBase: sig3(adapterEffect) });
    yield row('forward', 'lora merged', mergedT, loraCount, peftCount, { maxDiffVsUnmerged: sig3(mergeDiff) });
    yield row('forward', 'base', baseT, 0, baseCount);
    peft.dispose();
    merged.dispose();
    base.dispose();
    ids.dispose();

    /** A measured row; `trainablePct` is of every parameter of the model, adapter weights included (as PEFT prints it). */
    function row(phase: string, setup: string, t: { ms: number; reps: number }, trainable: number, all: number, extra: Metrics = {}): Metrics {
      return {
        phase,
        setup,
        status: 'ok',
        ...shape,
        trainable,
        trainablePct: sig3((100 * trainable) / all),
        msMedian: sig3(t.ms),
        tokensPerS: sig3(TOKENS / (t.ms / 1000)),
        reps: t.reps,
        ...extra,
      };
    }
  },
});

