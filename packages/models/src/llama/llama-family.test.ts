import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, concat, noGrad, parseSafetensors, serializeSafetensors, type SafetensorsTensorInput, memorySource } from '@peft/core';
import { KVCache } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { createModel, loadPretrained } from '../auto-model.js';
import { ConfigReader } from '../config-reader.js';
import { directorySource } from '@peft/core/node';
import { FIXTURES, flat, intTensor, modelDir } from '../test-support/fixtures.js';
import { parseLlamaConfig } from './config.js';
import type { LlamaForCausalLM } from './model.js';

const backends = await testBackends();

/** Fixtures made by tools/llama-family-fixtures.py (transformers, eager attention). */
const FAMILY = ['mistral', 'qwen2', 'dynamic'] as const;
const familyDir = (name: string): string => join(FIXTURES, `llama-${name}`);
const familyLogits = (name: string): { inputs: { input_ids: number[][]; attention_mask: number[][] }; parameters: Record<string, number[]>; logits: number[][][] } =>
  JSON.parse(readFileSync(join(familyDir(name), 'logits.json'), 'utf8'));

const shapes = (model: LlamaForCausalLM): Record<string, number[]> => Object.fromEntries([...model.namedParameters()].map(([n, p]) => [n, [...p.shape]]));

describe.each(backends)('LLaMA family checkpoints on $name', ({ backend }) => {
  it.each(FAMILY)('reproduce the transformers logits of the %s fixture at unpadded positions', async (name) => {
    const model = await loadPretrained(directorySource(familyDir(name)), { backend });
    const ref = familyLogits(name);
    const { input_ids: ids, attention_mask: mask } = ref.inputs;
    const logits = noGrad(() => model.forward({ inputIds: intTensor(ids, backend), attentionMask: intTensor(mask, backend) }).logits);
    const got = await readF64(logits);
    const want = flat(ref.logits);
    const v = logits.shape[2];
    mask.forEach((row, r) =>
      row.forEach((m, s) => {
        if (m === 1) expectClose(got.slice((r * 8 + s) * v, (r * 8 + s + 1) * v), want.slice((r * 8 + s) * v, (r * 8 + s + 1) * v), { atol: 1e-5, rtol: 0 }, `${name} row ${r} position ${s}`);
      }),
    );
  });
});

describe.each(backends)('LLaMA family decoding on $name', ({ backend }) => {
  it('keeps the sliding window of mistral across a persistent KV cache (5 + 3 tokens vs 8)', async () => {
    const model = await loadPretrained(directorySource(familyDir('mistral')), { backend });
    const { input_ids: ids, attention_mask: mask } = familyLogits('mistral').inputs;
    const part = (a: number[][], from: number, to: number): number[][] => a.map((r) => r.slice(from, to));
    const whole = noGrad(() => model.forward({ inputIds: intTensor(ids, backend), attentionMask: intTensor(mask, backend) }).logits);
    const cache = new KVCache(model.info.numLayers, { persistent: true });
    const first = noGrad(() => model.forward({ inputIds: intTensor(part(ids, 0, 5), backend), attentionMask: intTensor(part(mask, 0, 5), backend), pastKeyValues: cache }).logits);
    const second = noGrad(() => model.forward({ inputIds: intTensor(part(ids, 5, 8), backend), attentionMask: intTensor(mask, backend), pastKeyValues: cache }).logits);
    const got = await readF64(concat([first, second], 1));
    const want = await readF64(whole);
    const v = whole.shape[2];
    // row 0 has no padding: every position counts; row 1 from its first real token
    expectClose(got.slice(0, 8 * v), want.slice(0, 8 * v), { atol: 1e-5, rtol: 0 }, 'row 0');
    expectClose(got.slice(10 * v), want.slice(10 * v), { atol: 1e-5, rtol: 0 }, 'row 1');
    cache.dispose();
  });
});

describe('LLaMA family configs', () => {
  it('builds grouped-query attention with transformers parameter names and shapes', () => {
    const model = createModel(JSON.parse(readFileSync(join(modelDir('llama'), 'config.json'), 'utf8'))) as LlamaForCausalLM;
    const s = shapes(model);
    expect(s['model.embed_tokens.weight']).toEqual([100, 32]);
    expect(s['model.layers.0.self_attn.q_proj.weight']).toEqual([32, 32]);
    expect(s['model.layers.0.self_attn.k_proj.weight']).toEqual([16, 32]);
    expect(s['model.layers.0.self_attn.v_proj.weight']).toEqual([16, 32]);
    expect(s['model.layers.0.self_attn.o_proj.weight']).toEqual([32, 32]);
    expect(s['model.layers.0.mlp.gate_proj.weight']).toEqual([64, 32]);
    expect(s['model.layers.0.mlp.down_proj.weight']).toEqual([32, 64]);
    expect(s['model.layers.0.input_layernorm.weight']).toEqual([32]);
    expect(s['model.norm.weight']).toEqual([32]);
    expect(s['lm_head.weight']).toEqual([100, 32]);
    expect(s['model.layers.0.self_attn.q_proj.bias']).toBeUndefined();
    expect(model.info).toMatchObject({ modelType: 'llama', numKeyValueHeads: 2, headDim: 8, embeddingPath: 'model.embed_tokens', outputHeadPath: 'lm_head' });
  });

  it('gives qwen2 q/k/v biases but no o_proj bias, and a head tied to the embedding', () => {
    const ref = familyLogits('qwen2');
    const model = createModel(JSON.parse(readFileSync(join(familyDir('qwen2'), 'config.json'), 'utf8'))) as LlamaForCausalLM;
    const { 'lm_head.weight': head, ...expected } = ref.parameters;
    expect(shapes(model)).toEqual(expected);
    expect(head).toEqual([100, 32]);
    expect(model.lm_head.weight).toBe(model.model.embed_tokens.weight);
    expect(model.info.modelType).toBe('qwen2');
    expect(model.info.eosTokenIds).toEqual([1, 2]);
  });

  it('lists every parameter of the mistral checkpoint under the same name and shape', () => {
    const ref = familyLogits('mistral');
    const model = createModel(JSON.parse(readFileSync(join(familyDir('mistral'), 'config.json'), 'utf8'))) as LlamaForCausalLM;
    expect(shapes(model)).toEqual(ref.parameters);
    expect(model.info.modelType).toBe('mistral');
  });

  it('reads sliding windows as transformers does for mistral and qwen2', () => {
    const parse = (raw: Record<string, unknown>) => parseLlamaConfig(new ConfigReader({ num_hidden_layers: 3, ...raw })).slidingWindows;
    expect(parse({ model_type: 'mistral' })).toEqual([4096, 4096, 4096]);
    expect(parse({ model_type: 'mistral', sliding_window: null })).toEqual([undefined, undefined, undefined]);
    expect(parse({ model_type: 'qwen2', sliding_window: 8 })).toEqual([undefined, undefined, undefined]);
    expect(parse({ model_type: 'qwen2', sliding_window: 8, use_sliding_window: true, max_window_layers: 1 })).toEqual([undefined, 8, 8]);
    expect(parse({ model_type: 'qwen2', sliding_window: 8, use_sliding_window: true, layer_types: ['sliding_attention', 'full_attention', 'sliding_attention'] })).toEqual([8, undefined, 8]);
    expect(parse({ model_type: 'llama', sliding_window: 8 })).toEqual([undefined, undefined, undefined]);
  });

  it('reads the transformers 5 layout (rope_parameters, dtype) like the transformers 4 one', () => {
    const v4 = parseLlamaConfig(new ConfigReader({ rope_theta: 500000, rope_scaling: { type: 'linear', factor: 2 }, torch_dtype: 'bfloat16' }));
    const v5 = parseLlamaConfig(new ConfigReader({ rope_parameters: { rope_type: 'linear', rope_theta: 500000, factor: 2 }, dtype: 'bfloat16' }));
    expect(v5.rope.ropeType).toBe('linear');
    expect(v5.rope.theta).toBe(v4.rope.theta);
    expect(v5.rope.params.factor).toBe(2);
    expect(v4.rope.ropeType).toBe('linear');
  });

  it('applies transformers defaults and rejects inconsistent sizes naming the field', () => {
    const c = parseLlamaConfig(new ConfigReader({ hidden_size: 64, num_attention_heads: 4 }));
    expect(c).toMatchObject({ numKeyValueHeads: 4, headDim: 16, hiddenAct: 'silu', tieWordEmbeddings: false, rmsNormEps: 1e-6 });
    expect(c.rope).toMatchObject({ ropeType: 'default', theta: 10000 });
    expect(() => parseLlamaConfig(new ConfigReader({ hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 3 }))).toThrow(/"num_key_value_heads" to be a divisor of num_attention_heads \(4\)/);
    expect(() => parseLlamaConfig(new ConfigReader({ hidden_size: 60, num_attention_heads: 8 }))).toThrow(/"hidden_size"/);
    expect(() => parseLlamaConfig(new ConfigReader({ hidden_act: 'swiglu' }))).toThrow(ConfigError);
    expect(() => parseLlamaConfig(new ConfigReader({ model_type: 'gemma' }))).toThrow(/"model_type" to be one of llama, mistral, qwen2/);
    expect(() => parseLlamaConfig(new ConfigReader({ rope_theta: -1 }))).toThrow(/"rope_theta"/);
  });
});

describe('LLaMA checkpoint names', () => {
  const config = readFileSync(join(modelDir('llama'), 'config.json'), 'utf8');
  const file = parseSafetensors(readFileSync(join(modelDir('llama'), 'model.safetensors')));
  const inputs = (drop: string[] = [], extra: Record<string, SafetensorsTensorInput> = {}): Uint8Array => {
    const out: Record<string, SafetensorsTensorInput> = { ...extra };
    for (const [name, t] of file.tensors) if (!drop.includes(name)) out[name] = { dtype: t.dtype, shape: t.shape, data: t.data };
    return serializeSafetensors(out);
  };

  it('ignores rotary inv_freq buffers silently', async () => {
    const warnings: string[] = [];
    const invFreq = { dtype: 'F32' as const, shape: [4], data: [1, 0.1, 0.01, 0.001] };
    const source = memorySource({ 'config.json': config, 'model.safetensors': inputs([], { 'model.rotary_emb.inv_freq': invFreq, 'model.layers.0.self_attn.rotary_emb.inv_freq': invFreq }) });
    await loadPretrained(source, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
  });

  it('fails on a missing lm_head.weight when the embeddings are not tied', async () => {
    const source = memorySource({ 'config.json': config, 'model.safetensors': inputs(['lm_head.weight']) });
    await expect(loadPretrained(source, { onWarning: () => {} })).rejects.toThrow(/lm_head\.weight/);
  });

  it('takes a missing lm_head.weight as the tied embedding when tie_word_embeddings is true', async () => {
    const tied = JSON.stringify({ ...JSON.parse(config), tie_word_embeddings: true });
    const warnings: string[] = [];
    const model = (await loadPretrained(memorySource({ 'config.json': tied, 'model.safetensors': inputs(['lm_head.weight']) }), { onWarning: (m) => warnings.push(m) })) as LlamaForCausalLM;
    expect(warnings).toEqual([]);
    expect(await readF64(model.lm_head.weight)).toEqual(Float64Array.from(file.tensors.get('model.embed_tokens.weight')!.data));
  });
});
