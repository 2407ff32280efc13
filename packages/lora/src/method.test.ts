import { type Backend, Conv1D, Embedding, Generator, LayerNorm, Linear, type PretrainedModel, defaultRegistry, getPeftModel } from '@peft/core';
import { testBackends } from '@peft/core/testing';
import { createModel } from '@peft/models';
import { describe, expect, it } from 'vitest';
import { type LoraConfig, loraConfig } from './config.js';
import { LoraEmbedding } from './lora-embedding.js';
import { LoraLinear } from './lora-linear.js';
import { lora } from './method.js';

defaultRegistry().register(lora);
const backends = await testBackends();

/** A two-layer GPT-2 with random weights (Conv1D projections, tied head). */
function tinyGpt2(backend: Backend): PretrainedModel {
  return createModel(
    { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 40, n_embd: 16, n_head: 2, n_layer: 2, n_positions: 32 },
    { backend },
  );
}

describe('the lora method', () => {
  it("knows Hugging Face's default targets", () => {
    expect(lora.defaultTargets?.('gpt2')).toEqual(['c_attn']);
    expect(lora.defaultTargets?.('llama')).toEqual(['q_proj', 'v_proj']);
    expect(lora.defaultTargets?.('bert')).toEqual(['query', 'value']);
    expect(lora.defaultTargets?.('toString')).toBeUndefined();
  });

  it('wraps dense layers and embeddings, nothing else', () => {
    expect([new Linear(2, 3), new Conv1D(3, 2), new Embedding(4, 2)].map((m) => lora.canWrap?.(m))).toEqual([true, true, true]);
    expect(lora.canWrap?.(new LayerNorm(3))).toBe(false);
    const ctx = (config: LoraConfig) => ({ adapterName: 'default', config, path: 'm', targetKey: 'm', generator: new Generator(0) });
    expect(lora.createLayer?.(new Embedding(4, 2), ctx(loraConfig({ r: 1 })))).toBeInstanceOf(LoraEmbedding);
    const dora = lora.createLayer?.(new Conv1D(3, 2), ctx(loraConfig({ r: 1, useDora: true }))) as LoraLinear;
    expect(dora).toBeInstanceOf(LoraLinear);
    expect(dora.loraMagnitudeVector.has('default')).toBe(true);
    expect(() => lora.createLayer?.(new LayerNorm(3), ctx(loraConfig()))).toThrow(/cannot wrap m, a LayerNorm/);
  });
});

describe.each(backends)('lora extra parameters on $name', ({ backend }) => {
  it('bias "all" trains and saves every bias of the model', async () => {
    const peft = await getPeftModel(tinyGpt2(backend), loraConfig({ r: 2, targetModules: ['c_attn'], bias: 'all' }));
    const extra = peft.extraParameters('default');
    const model = peft.model;
    const biases = [...model.namedParameters()].filter(([k]) => k.endsWith('.bias') && !k.includes('lora_')).map(([k]) => k);
    expect(extra.map((e) => e.path).sort()).toEqual(biases.sort());
    expect(extra.map((e) => e.path)).toContain('transformer.h.0.attn.c_attn.base_layer.bias');
    expect(extra.every((e) => e.trainable && e.saved)).toBe(true);
  });

  it('bias "lora_only" trains and saves the base biases of the wrapped layers', async () => {
    const peft = await getPeftModel(tinyGpt2(backend), loraConfig({ r: 2, targetModules: ['c_attn', 'c_fc'], bias: 'lora_only' }));
    const paths = peft.extraParameters('default').map((e) => e.path);
    expect(paths.sort()).toEqual(
      ['transformer.h.0.attn.c_attn', 'transformer.h.0.mlp.c_fc', 'transformer.h.1.attn.c_attn', 'transformer.h.1.mlp.c_fc'].map((p) => `${p}.base_layer.bias`),
    );
  });

  it('saves (without training) the full weight of a targeted input or output embedding when lm_head or embed_tokens is named', async () => {
    const peft = await getPeftModel(tinyGpt2(backend), loraConfig({ r: 2, targetModules: ['wte', 'lm_head'] }));
    const extra = peft.extraParameters('default');
    expect(extra.map((e) => e.path).sort()).toEqual(['lm_head.base_layer.weight', 'transformer.wte.base_layer.weight']);
    expect(extra.every((e) => e.saved && !e.trainable)).toBe(true);
    const plain = await getPeftModel(tinyGpt2(backend), loraConfig({ r: 2, targetModules: ['wte', 'c_attn'] }));
    expect(plain.extraParameters('default')).toEqual([]);
  });
});
