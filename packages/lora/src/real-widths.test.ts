import { AdamW, type Backend, type PeftModel, type PretrainedModel, createCpuBackend, defaultRegistry, fromArray, getPeftModel, memorySource, serializeSafetensors, tidy } from '@peft/core';
import { testWebGPU } from '@peft/core/testing';
import { createModel, loadPretrained } from '@peft/models';
import { describe, expect, it } from 'vitest';
import { loraConfig } from './config.js';
import { lora } from './method.js';

defaultRegistry().register(lora);

// The real vocabularies and widths of the models people fine-tune, with one layer: their embeddings
// (154 MB for GPT-2 small, 544 MB for Qwen2.5-0.5B in f32) pass the 128 MiB a software adapter binds.
// Each checkpoint is written in bf16, as the Hub's are, and loaded on both backends from the same bytes.
const CASES = [
  {
    name: 'GPT-2 small (50,257 × 768)',
    targets: ['c_attn'],
    config: { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 50257, n_embd: 768, n_layer: 1, n_head: 12, n_positions: 1024 },
  },
  {
    name: 'SmolLM2-135M (49,152 × 576, tied head)',
    targets: ['q_proj', 'v_proj'],
    config: {
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      vocab_size: 49152,
      hidden_size: 576,
      intermediate_size: 1536,
      num_hidden_layers: 1,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      tie_word_embeddings: true,
      rope_theta: 100000,
      rms_norm_eps: 1e-5,
      max_position_embeddings: 8192,
    },
  },
  {
    name: 'Qwen2.5-0.5B (151,936 × 896, tied head, qkv bias)',
    targets: ['q_proj', 'v_proj'],
    config: {
      model_type: 'qwen2',
      architectures: ['Qwen2ForCausalLM'],
      vocab_size: 151936,
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 1,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      tie_word_embeddings: true,
      rope_theta: 1000000,
      rms_norm_eps: 1e-6,
      max_position_embeddings: 32768,
    },
  },
] as const;

const gpu = await testWebGPU();
const cpu = createCpuBackend();

/** The model's own random initialisation, written as a bf16 safetensors file. */
async function bf16Checkpoint(config: Readonly<Record<string, unknown>>): Promise<Uint8Array> {
  const model = createModel(config, { backend: cpu });
  const tensors = new Map<string, { dtype: 'BF16'; shape: number[]; data: Float32Array }>();
  for (const [name, t] of model.stateDict()) tensors.set(name, { dtype: 'BF16', shape: [...t.shape], data: await t.data() });
  model.dispose();
  return serializeSafetensors(tensors);
}

/** Loss, then one AdamW step, then the loss again and the adapter weights, on one backend. */
async function trainOnce(files: Record<string, string | Uint8Array>, targets: readonly string[], backend: Backend, vocab: number) {
  const model: PretrainedModel = await loadPretrained(memorySource(files), { backend, onWarning: () => {} });
  const peft: PeftModel = await getPeftModel(model, loraConfig({ r: 8, loraAlpha: 16, targetModules: [...targets], loraDropout: 0 }));
  const trainable = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad);
  // the same adapter on both backends, with B ≠ 0 so the adapter changes the logits
  trainable.forEach(([, p], k) => p.assign(fromArray(Float32Array.from({ length: p.size }, (_, i) => Math.sin(i * 0.7 + k) * 0.02), p.shape, { backend })));
  const ids = fromArray([0, 5, 17, vocab - 1, 1234, 42, vocab - 2, 7, 9, 3, vocab - 3, 11, 64, 128, 256, 1], [2, 8], { dtype: 'i32', backend });
  const opt = new AdamW(trainable.map(([, p]) => p), { lr: 1e-2 });
  const lossOf = () => tidy(() => peft.forward({ inputIds: ids, labels: ids, returnLogits: false }).loss!.detach());
  const first = tidy(() => {
    const out = peft.forward({ inputIds: ids, labels: ids, returnLogits: false });
    out.loss!.backward();
    return out.loss!.detach();
  });
  opt.step();
  const after = lossOf();
  const logits = tidy(() => peft.forward({ inputIds: ids }).logits.detach());
  const result = {
    first: (await first.data())[0],
    after: (await after.data())[0],
    lastRow: Array.from((await logits.data()).subarray(-vocab)),
    adapter: await Promise.all(trainable.slice(0, 2).map(async ([, p]) => Array.from(await p.data()))),
  };
  for (const t of [first, after, logits, ids]) t.dispose();
  opt.dispose();
  peft.dispose();
  return result;
}

const close = (a: readonly number[], b: readonly number[], tol: number): number => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(worst).toBeLessThanOrEqual(tol);
  return worst;
};

describe.each(gpu ? CASES.map((c) => ({ ...c, gpu })) : [])('a one-layer $name from bf16 safetensors on WebGPU', ({ config, targets, gpu }) => {
  it('trains a LoRA step (forward, backward, AdamW) with the CPU reference’s loss, logits and adapter weights', async () => {
    const files = { 'config.json': JSON.stringify({ ...config, torch_dtype: 'bfloat16' }), 'model.safetensors': await bf16Checkpoint(config) };
    const vocab = config.vocab_size;
    const want = await trainOnce(files, targets, cpu, vocab);
    const got = await trainOnce(files, targets, gpu, vocab);
    close([got.first, got.after], [want.first, want.after], 1e-5);
    expect(got.after).toBeLessThan(got.first);
    close(got.lastRow, want.lastRow, 1e-4);
    got.adapter.forEach((w, i) => close(w, want.adapter[i], 1e-4));
  }, 300_000);

  it('keeps the weight matrices in bf16 (half the bytes of f32) with the loss of the f32 load, bit for bit', async () => {
    const files = { 'config.json': JSON.stringify({ ...config, torch_dtype: 'bfloat16' }), 'model.safetensors': await bf16Checkpoint(config) };
    const vocab = config.vocab_size;
    const ids = fromArray([0, 5, 17, vocab - 1, 1234, 42, vocab - 2, 7], [1, 8], { dtype: 'i32', backend: gpu });
    const lossAndBytes = async (dtype: 'auto' | 'f32') => {
      const before = gpu.memory().liveBytes;
      const model = await loadPretrained(memorySource(files), { backend: gpu, onWarning: () => {}, dtype });
      const bytes = gpu.memory().liveBytes - before;
      const dtypes = [...model.namedParameters()].map(([name, p]) => [name, p.rank, p.dtype] as const);
      const loss = tidy(() => model.forward({ inputIds: ids, labels: ids, returnLogits: false }).loss!.detach());
      const value = (await loss.data())[0];
      loss.dispose();
      model.dispose();
      return { bytes, dtypes, value };
    };
    const half = await lossAndBytes('auto');
    const wide = await lossAndBytes('f32');
    ids.dispose();
    for (const [name, rank, dtype] of half.dtypes) expect(`${name}: ${dtype}`).toBe(`${name}: ${rank >= 2 ? 'bf16' : 'f32'}`);
    expect(half.value).toBe(wide.value);
    expect(half.bytes / wide.bytes).toBeGreaterThan(0.49);
    expect(half.bytes / wide.bytes).toBeLessThan(0.51);
  }, 300_000);
});
