/**
 * Pretrains the embedded base model: a 4-layer GPT-2 (d 128, 4 heads, context 256, vocabulary 2048)
 * on the corpus of build-corpus.ts, with @peft/core and @peft/models only — AdamW (β 0.9/0.95,
 * weight decay 0.1 on matrices), gradient clipping at 1, linear warm-up then cosine decay to 10%,
 * next-token loss on random windows of the token stream.
 *
 *   node --conditions=@peft/source --import tsx tools/pretrain/pretrain.ts [--steps 1000] [--cpu]
 *
 * A checkpoint (weights, optimizer state, log) is written every `--ckpt-every` steps to
 * tools/pretrain/data/ckpt; running the same command again continues from it (`--fresh` starts over).
 * At the end the model goes to packages/cli/assets/base-model (model.safetensors, config.json,
 * generation_config.json) and the numbers to tools/pretrain/pretrain-result.json.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AdamW,
  Generator,
  type PretrainedModel,
  type Tensor,
  clipGradNorm,
  fromArray,
  manualSeed,
  noGrad,
  randn,
  tidy,
} from '../../packages/core/src/index.js';
import { initBackend, loadTensorsFile, releaseNodeGPU, saveTensorsFile } from '../../packages/core/src/node.js';
import { createModel, loadPretrained, loadTokenizer } from '../../packages/models/src/index.js';
import { directorySource } from '../../packages/models/src/node.js';
import { type ModelShape, generationConfigJson, gpt2ConfigJson, gpt2ConfigObject } from './hf-config.js';
import { tokenStreams } from './token-streams.js';

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'tools/pretrain/data/corpus.jsonl' },
    out: { type: 'string', default: 'packages/cli/assets/base-model' },
    ckpt: { type: 'string', default: 'tools/pretrain/data/ckpt' },
    result: { type: 'string', default: 'tools/pretrain/pretrain-result.json' },
    steps: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '8' },
    seq: { type: 'string', default: '128' },
    lr: { type: 'string', default: '3e-3' },
    warmup: { type: 'string', default: '50' },
    'weight-decay': { type: 'string', default: '0.1' },
    'log-every': { type: 'string', default: '10' },
    'eval-every': { type: 'string', default: '100' },
    'ckpt-every': { type: 'string', default: '50' },
    'eval-windows': { type: 'string', default: '64' },
    'stop-after': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1234' },
    fresh: { type: 'boolean', default: false },
    cpu: { type: 'boolean', default: false },
  },
});
const STEPS = Number(args.steps);
const BATCH = Number(args.batch);
const SEQ = Number(args.seq);
const PEAK_LR = Number(args.lr);
const WARMUP = Number(args.warmup);
const SEED = Number(args.seed);
const MIN_LR_RATIO = 0.1;

const backend = await initBackend({ prefer: args.cpu ? 'cpu' : 'webgpu' });
console.log(`backend: ${backend.name} — ${backend.description}`);

const tokenizerText = readFileSync(join(args.out, 'tokenizer.json'), 'utf8');
const tokenizer = await loadTokenizer(directorySource(args.out));
const eosId = tokenizer.tokenToId('<|endoftext|>')!;
const shape: ModelShape = { vocabSize: tokenizer.vocabSize, nPositions: 256, nEmbd: 128, nLayer: 4, nHead: 4, nInner: 512, eosId };
let t0 = performance.now();
const streams = tokenStreams(args.corpus, tokenizerText, tokenizer, eosId);
console.log(`tokens: ${streams.train.length} train, ${streams.heldout.length} held-out (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

/** The learning rate of a step (1-based): linear warm-up, then cosine down to MIN_LR_RATIO of the peak. */
function learningRate(step: number): number {
  if (step <= WARMUP) return (PEAK_LR * step) / WARMUP;
  const progress = Math.min(1, (step - WARMUP) / Math.max(1, STEPS - WARMUP));
  return PEAK_LR * (MIN_LR_RATIO + (1 - MIN_LR_RATIO) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** The batch of a step: BATCH random windows of SEQ tokens, drawn from a generator seeded by the step (so a resumed run sees the same batches). */
function batchOf(step: number): Int32Array {
  const g = new Generator(SEED * 100_003 + step);
  const u = g.uniform(BATCH);
  const out = new Int32Array(BATCH * SEQ);
  for (let b = 0; b < BATCH; b++) {
    const start = Math.floor(u[b] * (streams.train.length - SEQ));
    out.set(streams.train.subarray(start, start + SEQ), b * SEQ);
  }
  return out;
}

/** Mean next-token loss over consecutive SEQ-token windows of a stream (the first `windows` of them). */
async function streamLoss(model: PretrainedModel, stream: Uint16Array, windows: number): Promise<{ loss: number; tokens: number }> {
  const n = Math.min(windows, Math.floor(stream.length / SEQ));
  let sum = 0;
  let count = 0;
  model.eval();
  for (let w = 0; w < n; w += BATCH) {
    const rows = Math.min(BATCH, n - w);
    const ids = Int32Array.from(stream.subarray(w * SEQ, (w + rows) * SEQ));
    const loss = tidy(() =>
      noGrad(() => {
        const t = fromArray(ids, [rows, SEQ], { dtype: 'i32', backend });
        return model.forward({ inputIds: t, labels: t }).loss!;
      }),
    );
    sum += (await loss.item()) * rows * (SEQ - 1);
    count += rows * (SEQ - 1);
    loss.dispose();
  }
  model.train();
  return { loss: sum / count, tokens: count };
}

/** GPT-2's initialisation: N(0, 0.02) everywhere, residual output projections scaled by 1/√(2·layers). */
function initGPT2(model: PretrainedModel, gen: Generator): void {
  noGrad(() =>
    tidy(() => {
      for (const [name, p] of model.namedParameters()) {
        if (p.rank < 2) continue; // biases 0, layer norms 1/0 already
        const std = /c_proj\.weight$/.test(name) ? 0.02 / Math.sqrt(2 * shape.nLayer) : 0.02;
        p.assign(randn(p.shape, { std, generator: gen, backend }));
      }
    }),
  );
}

interface LogRow {
  step: number;
  lr: number;
  loss: number;
  gradNorm: number;
  tokens: number;
  seconds: number;
  heldoutLoss?: number;
}
interface CkptState {
  step: number;
  seconds: number;
  log: LogRow[];
  numbers: Record<string, Record<string, number>>;
}

// ---- model and optimizer, fresh or from the checkpoint ----
const ckptState = join(args.ckpt, 'state.json');
const resume = !args.fresh && existsSync(ckptState);
let model: PretrainedModel;
let state: CkptState = { step: 0, seconds: 0, log: [], numbers: {} };
if (resume) {
  state = JSON.parse(readFileSync(ckptState, 'utf8')) as CkptState;
  model = await loadPretrained(directorySource(args.ckpt), { backend });
  console.log(`resuming from step ${state.step} (${args.ckpt})`);
} else {
  manualSeed(SEED);
  model = createModel(gpt2ConfigObject(shape), { backend });
  initGPT2(model, new Generator(SEED));
}
model.train();
const params = [...model.parameters()];
const decayed = params.filter((p) => p.rank >= 2);
const opt = new AdamW(decayed, { lr: PEAK_LR, betas: [0.9, 0.95], eps: 1e-8, weightDecay: Number(args['weight-decay']) });
opt.addParamGroup({ params: params.filter((p) => p.rank < 2), weightDecay: 0 });
if (resume) {
  const { tensors } = await loadTensorsFile(join(args.ckpt, 'optimizer.safetensors'), { backend });
  const sd = opt.stateDict();
  const slots = new Map<number, Record<string, number | Tensor>>();
  for (const [index, nums] of Object.entries(state.numbers)) slots.set(Number(index), { ...nums });
  for (const [key, t] of tensors) {
    const [index, name] = key.split('.');
    slots.get(Number(index))![name] = t;
  }
  opt.loadStateDict({ state: slots, paramGroups: sd.paramGroups });
  for (const t of tensors.values()) t.dispose();
}
const count = params.reduce((a, p) => a + p.size, 0);
console.log(`model: GPT-2 d ${shape.nEmbd}, ${shape.nLayer} layers, ${shape.nHead} heads, vocab ${shape.vocabSize}: ${count} parameters`);
console.log(`training: ${STEPS} steps of [${BATCH}, ${SEQ}] tokens, AdamW peak lr ${PEAK_LR}, warm-up ${WARMUP}, cosine to ${MIN_LR_RATIO * PEAK_LR}`);

async function saveCheckpoint(step: number, seconds: number): Promise<void> {
  const tmp = `${args.ckpt}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'config.json'), gpt2ConfigJson(shape));
  await saveTensorsFile(join(tmp, 'model.safetensors'), model.stateDict(), { metadata: { format: 'pt' } });
  const sd = opt.stateDict({ snapshot: true });
  const tensors = new Map<string, Tensor>();
  const numbers: Record<string, Record<string, number>> = {};
  for (const [index, slot] of sd.state) {
    for (const [k, v] of Object.entries(slot)) {
      if (typeof v === 'number') (numbers[index] ??= {})[k] = v;
      else tensors.set(`${index}.${k}`, v);
    }
  }
  await saveTensorsFile(join(tmp, 'optimizer.safetensors'), tensors);
  for (const t of tensors.values()) t.dispose();
  writeFileSync(join(tmp, 'state.json'), JSON.stringify({ step, seconds, log: state.log, numbers } satisfies CkptState));
  rmSync(args.ckpt, { recursive: true, force: true });
  renameSync(tmp, args.ckpt);
}

// ---- training loop ----
t0 = performance.now() - state.seconds * 1000;
const elapsed = () => (performance.now() - t0) / 1000;
let pending: { loss: Tensor; gradNorm: Tensor }[] = [];
const stopAfter = Number(args['stop-after']);
let ranThisTime = 0;
for (let step = state.step + 1; step <= STEPS; step++) {
  const lr = learningRate(step);
  for (const g of opt.paramGroups) g.lr = lr;
  const ids = fromArray(batchOf(step), [BATCH, SEQ], { dtype: 'i32', backend });
  const loss = tidy(() => {
    const l = model.forward({ inputIds: ids, labels: ids }).loss!;
    l.backward();
    return l.detach();
  });
  const gradNorm = clipGradNorm(params, 1.0);
  opt.step();
  opt.zeroGrad();
  ids.dispose();
  pending.push({ loss, gradNorm });
  if (step % Number(args['log-every']) === 0 || step === STEPS) {
    let l = 0;
    let gn = 0;
    for (const p of pending) {
      l += await p.loss.item();
      gn += await p.gradNorm.item();
      p.loss.dispose();
      p.gradNorm.dispose();
    }
    const row: LogRow = { step, lr, loss: l / pending.length, gradNorm: gn / pending.length, tokens: step * BATCH * SEQ, seconds: elapsed() };
    pending = [];
    if (step % Number(args['eval-every']) === 0 || step === STEPS) row.heldoutLoss = (await streamLoss(model, streams.heldout, Number(args['eval-windows']))).loss;
    state.log.push(row);
    const held = row.heldoutLoss === undefined ? '' : `  held-out ${row.heldoutLoss.toFixed(3)}`;
    console.log(
      `step ${String(step).padStart(5)}  loss ${row.loss.toFixed(3)}${held}  |g| ${row.gradNorm.toFixed(2)}  lr ${lr.toExponential(2)}  ${(row.tokens / 1e6).toFixed(3)}M tokens  ${row.seconds.toFixed(0)} s`,
    );
  }
  ranThisTime++;
  if (step % Number(args['ckpt-every']) === 0 || step === STEPS) await saveCheckpoint(step, elapsed());
  if (stopAfter > 0 && ranThisTime >= stopAfter && step < STEPS) {
    if (step % Number(args['ckpt-every']) !== 0) await saveCheckpoint(step, elapsed());
    console.log(`stopped after ${ranThisTime} steps; run again to continue`);
    backend.destroy();
    releaseNodeGPU();
    process.exit(0);
  }
}

// ---- final numbers and the model files ----
const trainSeconds = elapsed();
const heldout = await streamLoss(model, streams.heldout, Number.MAX_SAFE_INTEGER);
// the same number of tokens from the start of the training stream, for a train/held-out comparison
const trainEval = await streamLoss(model, streams.train, Math.floor(streams.heldout.length / SEQ));
mkdirSync(args.out, { recursive: true });
// as transformers saves a tied model: lm_head.weight is the embedding, so the file leaves it out
const weights = new Map([...model.stateDict()].filter(([name]) => name !== 'lm_head.weight'));
await saveTensorsFile(join(args.out, 'model.safetensors'), weights, { metadata: { format: 'pt' } });
writeFileSync(join(args.out, 'config.json'), gpt2ConfigJson(shape));
writeFileSync(join(args.out, 'generation_config.json'), generationConfigJson(shape));
const result = {
  backend: `${backend.name} (${backend.description})`,
  parameters: count,
  shape,
  steps: STEPS,
  batch: BATCH,
  seq: SEQ,
  peakLr: PEAK_LR,
  warmup: WARMUP,
  tokensSeen: STEPS * BATCH * SEQ,
  corpusTrainTokens: streams.train.length,
  corpusHeldoutTokens: streams.heldout.length,
  trainWallSeconds: Math.round(trainSeconds),
  final: {
    trainLoss: trainEval.loss,
    trainPerplexity: Math.exp(trainEval.loss),
    trainEvalTokens: trainEval.tokens,
    heldoutLoss: heldout.loss,
    heldoutPerplexity: Math.exp(heldout.loss),
    heldoutEvalTokens: heldout.tokens,
    lastLoggedTrainLoss: state.log.at(-1)?.loss,
  },
  log: state.log,
};
writeFileSync(args.result, `${JSON.stringify(result, null, 2)}\n`);
console.log(`done in ${trainSeconds.toFixed(0)} s: train loss ${trainEval.loss.toFixed(3)} (ppl ${Math.exp(trainEval.loss).toFixed(1)}), held-out loss ${heldout.loss.toFixed(3)} (ppl ${Math.exp(heldout.loss).toFixed(1)})`);
console.log(`wrote ${args.out}/model.safetensors, config.json, generation_config.json and ${args.result}`);
backend.destroy();
releaseNodeGPU();
