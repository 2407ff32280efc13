/**
 * QLoRA: the 4-bit dequantising matmul against the f32 matmul on the same shapes (GFLOP/s and the
 * effective GB/s of the bytes it must read: x, the 4-bit codes, the block scales, and the output),
 * and the headline LoRA workload of `lora-train-step` (GPT-2-shaped d 128, 4 layers, vocab 512 at
 * [8, 64], LoRA r=8 on the attention projections) with the base in f32 and in NF4 (double
 * quantisation), the latter without and with gradient checkpointing (on by default after
 * `prepareModelForKbitTraining`): the GPU bytes of the dense base weights, the bytes one training
 * forward keeps for backward, and the median ms per AdamW step.
 */
import {
  AdamW,
  Generator,
  MethodRegistry,
  type PretrainedModel,
  type Tensor,
  fromArray,
  getPeftModel,
  manualSeed,
  tensor,
  tidy,
  uniform,
} from '../packages/core/src/index.js';
import { matmul, slice, transpose } from '../packages/core/src/plugin.js';
import { lora, loraConfig } from '../packages/lora/src/index.js';
import { createModel } from '../packages/models/src/index.js';
import { NF4_CODE, QuantizedLinear, activationBytes, codeWords, matmul4bit, prepareModelForKbitTraining, quantize4bit, quantizeModel } from '../packages/qlora/src/index.js';
import { type Metrics, defineBench, measure, sig3 } from './harness.js';

/** [tokens, in, out] of the matmul rows: a training batch of 512 tokens through square layers. */
const SHAPES = [
  [512, 1024, 1024],
  [512, 2048, 2048],
] as const;
const CONFIG = { model_type: 'gpt2', vocab_size: 512, n_embd: 128, n_layer: 4, n_head: 4, n_inner: 512, n_positions: 128, embd_pdrop: 0, attn_pdrop: 0, resid_pdrop: 0 };
const BATCH = 8;
const SEQ = 64;
const LORA = { r: 8, loraAlpha: 16, loraDropout: 0, targetModules: '.*attn\\.c_(attn|proj)' };

/** Times `reps` queued products, waiting on one element of the last. */
function queued(product: () => Tensor): (reps: number) => Promise<void> {
  return async (reps) => {
    const last = tidy(() => {
      let c = product();
      for (let i = 1; i < reps; i++) c = product();
      return slice(c, [0, 0], [1, 1]);
    });
    await last.data();
    last.dispose();
  };
}

/** Bytes of the dense (Linear / Conv1D / quantised) weights of a model, as held on the backend. */
function denseWeightBytes(model: PretrainedModel): number {
  let bytes = 0;
  for (const [, m] of model.namedModules()) {
    if (m instanceof QuantizedLinear) bytes += m.weightBytes();
    else if (m.constructor.name === 'Linear' || m.constructor.name === 'Conv1D') bytes += (m as unknown as { weight: Tensor }).weight.size * 4;
  }
  return bytes;
}

export default defineBench({
  name: 'qlora',
  description: 'NF4 dequantising matmul vs f32 matmul (GFLOP/s, effective GB/s); LoRA step on a GPT-2-shaped model with an f32 vs NF4 base, NF4 with and without gradient checkpointing (base-weight and activation bytes, ms/step)',
  async *run({ name, backend }, { quick }): AsyncGenerator<Metrics> {
    for (const [m, k, n] of SHAPES) {
      if (name === 'cpu' && k > 1024) continue;
      const x = uniform([m, k], { backend });
      const wHost = Float32Array.from(new Generator(3).uniform(n * k), (u) => (u - 0.5) * 0.1);
      const q = quantize4bit(wHost, [n, k], { quantType: 'nf4' });
      const packed = tensor(codeWords(q.packed), { dtype: 'u32', backend });
      const absmax = tensor(q.absmax, { backend });
      const w = tensor(wHost, { backend }).reshape([n, k]);
      const spec = { code: Array.from(NF4_CODE), blocksize: 64, rows: n, cols: k, transpose: true };
      const budget = { budgetMs: quick ? 250 : 1500, maxReps: 20 };
      const t4 = await measure(queued(() => matmul4bit(x, packed, absmax, spec)), budget);
      const t32 = await measure(queued(() => matmul(x, transpose(w))), budget);
      const flops = 2 * m * n * k;
      const bytes4 = (m * k + m * n) * 4 + (n * k) / 2 + (n * k / 64) * 4;
      const bytes32 = (m * k + m * n + n * k) * 4;
      yield { kernel: 'matmul4bit nf4', size: `${m}x${k}x${n}`, gflops: sig3(flops / (t4.ms * 1e6)), gbps: sig3(bytes4 / (t4.ms * 1e6)), weightBytes: (n * k) / 2 + (n * k / 64) * 4, ms: sig3(t4.ms), reps: t4.reps };
      yield { kernel: 'matmul f32', size: `${m}x${k}x${n}`, gflops: sig3(flops / (t32.ms * 1e6)), gbps: sig3(bytes32 / (t32.ms * 1e6)), weightBytes: n * k * 4, ms: sig3(t32.ms), reps: t32.reps };
      for (const t of [x, packed, absmax, w]) t.dispose();
    }

    const g = new Generator(7);
    const ids = fromArray(Array.from(g.uniform(BATCH * SEQ), (u) => Math.floor(u * CONFIG.vocab_size)), [BATCH, SEQ], { dtype: 'i32', backend });
    const registry = new MethodRegistry().register(lora);
    const variants = [
      { base: 'f32', gradientCheckpointing: false },
      { base: 'nf4', gradientCheckpointing: false },
      { base: 'nf4', gradientCheckpointing: true },
    ] as const;
    for (const { base, gradientCheckpointing } of variants) {
      manualSeed(11);
      const model = createModel(CONFIG, { backend });
      if (base === 'nf4') {
        await quantizeModel(model, { quantType: 'nf4', doubleQuant: true });
        prepareModelForKbitTraining(model, { gradientCheckpointing });
      }
      const weightBytes = denseWeightBytes(model);
      const peft = await getPeftModel(model, loraConfig(LORA), { registry, generator: new Generator(5) });
      peft.train();
      const opt = new AdamW([...peft.parameters()].filter((p) => p.requiresGrad), { lr: 1e-3 });
      await activationBytes(peft, () => peft.forward({ inputIds: ids, labels: ids }).loss!); // lazily built caches first
      const activations = await activationBytes(peft, () => peft.forward({ inputIds: ids, labels: ids }).loss!);
      let loss = 0;
      const t = await measure(
        async (reps) => {
          for (let i = 0; i < reps; i++) {
            const l = tidy(() => {
              const out = peft.forward({ inputIds: ids, labels: ids });
              out.loss!.backward();
              return out.loss!.detach();
            });
            opt.step();
            opt.zeroGrad();
            loss = (await l.data())[0];
            l.dispose();
          }
        },
        { budgetMs: quick ? 500 : 4000, maxReps: quick ? 3 : 20 },
      );
      yield { workload: 'lora-train-step', base, gradientCheckpointing: gradientCheckpointing ? 'on' : 'off', baseWeightBytes: weightBytes, activationBytes: activations, msPerStep: sig3(t.ms), loss: sig3(loss), reps: t.reps };
      opt.dispose();
      peft.dispose();
    }
    ids.dispose();
  },
});
