import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type SafetensorsTensorInput, createCpuBackend, noGrad, parseSafetensors, serializeSafetensors, memorySource } from '@peft/core';
import { expectClose, readF64 } from '@peft/core/testing';
import { createModel, loadPretrained, resolveArchitecture, supportedArchitectures } from './auto-model.js';
import { directorySource } from '@peft/core/node';
import { flat, intTensor, modelDir, readCase } from './test-support/fixtures.js';

const cpu = createCpuBackend();
const gpt2Config = readFileSync(join(modelDir('gpt2'), 'config.json'), 'utf8');
const gpt2Tensors = parseSafetensors(readFileSync(join(modelDir('gpt2'), 'model.safetensors'))).tensors;
const quiet = { backend: cpu, onWarning: () => {} };

/** The fixture GPT-2 weights, edited, as safetensors bytes. */
function weights(edit: (m: Map<string, SafetensorsTensorInput>) => void = () => {}, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): Uint8Array {
  const m = new Map<string, SafetensorsTensorInput>();
  for (const [k, t] of gpt2Tensors) m.set(k, { dtype, shape: t.shape, data: t.data });
  edit(m);
  return serializeSafetensors(m, { format: 'pt' });
}

async function logitsOf(files: Record<string, string | Uint8Array>): Promise<Float64Array> {
  const model = await loadPretrained(memorySource(files), quiet);
  const c = readCase('gpt2_lora');
  return readF64(noGrad(() => model.forward({ inputIds: intTensor(c.inputs.input_ids, cpu) }).logits));
}

describe('loadPretrained', () => {
  it('names a tensor the checkpoint lacks', async () => {
    const files = { 'config.json': gpt2Config, 'model.safetensors': weights((m) => m.delete('transformer.h.1.mlp.c_fc.weight')) };
    await expect(loadPretrained(memorySource(files, 'ckpt'), quiet)).rejects.toThrow(/lacks 1 tensor\(s\) the model needs: "transformer\.h\.1\.mlp\.c_fc\.weight"/);
  });

  it('names a tensor whose shape differs, with both shapes', async () => {
    const files = { 'config.json': gpt2Config, 'model.safetensors': weights((m) => m.set('transformer.ln_f.weight', { dtype: 'F32', shape: [31], data: new Float32Array(31) })) };
    await expect(loadPretrained(memorySource(files), quiet)).rejects.toThrow(/"transformer\.ln_f\.weight" has shape \[31\], the model expects \[32\]/);
  });

  it('refuses an unknown architecture and lists the supported ones', async () => {
    const files = { 'config.json': JSON.stringify({ architectures: ['FalconForCausalLM'], model_type: 'falcon' }), 'model.safetensors': weights() };
    await expect(loadPretrained(memorySource(files), quiet)).rejects.toThrow(/unsupported model: architectures \["FalconForCausalLM"\]; supported architectures are .*GPT2LMHeadModel/);
    expect(() => resolveArchitecture({ model_type: 'mamba' })).toThrow(/model_type "mamba"/);
  });

  it('names the config field that is wrong', async () => {
    const bad = JSON.stringify({ ...JSON.parse(gpt2Config), n_head: 5 });
    await expect(loadPretrained(memorySource({ 'config.json': bad, 'model.safetensors': weights() }), quiet)).rejects.toThrow(/"n_embd" to be a multiple of n_head \(5\)/);
    await expect(loadPretrained(memorySource({ 'config.json': '{"model_type": ', 'model.safetensors': weights() }), quiet)).rejects.toThrow(/config\.json: not valid JSON/);
    await expect(loadPretrained(memorySource({ 'model.safetensors': weights() }), quiet)).rejects.toThrow(/config\.json: not found/);
    await expect(loadPretrained(memorySource({ 'config.json': gpt2Config }), quiet)).rejects.toThrow(/expected model\.safetensors or model\.safetensors\.index\.json/);
  });

  it('reads f16 and bf16 checkpoints, widened to f32', async () => {
    const ref = await logitsOf({ 'config.json': gpt2Config, 'model.safetensors': weights() });
    const half = await logitsOf({ 'config.json': gpt2Config, 'model.safetensors': weights(undefined, 'F16') });
    const bf = await logitsOf({ 'config.json': gpt2Config, 'model.safetensors': weights(undefined, 'BF16') });
    // rounding the weights moves the logits a little, and bf16 (8 mantissa bits) more than f16 (11)
    const diff = (a: Float64Array) => Math.max(...a.map((v, i) => Math.abs(v - ref[i])));
    expect(diff(half)).toBeGreaterThan(0);
    expect(diff(half)).toBeLessThan(0.02);
    expect(diff(bf)).toBeGreaterThan(diff(half));
    expect(diff(bf)).toBeLessThan(0.2);
  });

  it('reads sharded checkpoints through model.safetensors.index.json', async () => {
    const names = [...gpt2Tensors.keys()];
    const half = Math.ceil(names.length / 2);
    const shard = (keep: string[]) => weights((m) => [...m.keys()].forEach((k) => keep.includes(k) || m.delete(k)));
    const index = { metadata: {}, weight_map: Object.fromEntries(names.map((n, i) => [n, i < half ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors'])) };
    const files = {
      'config.json': gpt2Config,
      'model.safetensors.index.json': JSON.stringify(index),
      'model-00001-of-00002.safetensors': shard(names.slice(0, half)),
      'model-00002-of-00002.safetensors': shard(names.slice(half)),
    };
    expectClose(await logitsOf(files), flat(readCase('gpt2_lora').logits_base), { atol: 1e-5, rtol: 0 }, 'sharded logits');
    const escaping = { ...files, 'model.safetensors.index.json': JSON.stringify({ weight_map: { 'transformer.wte.weight': '../x.safetensors' } }) };
    await expect(loadPretrained(memorySource(escaping), quiet)).rejects.toThrow(/to name a shard file in the folder/);
  });

  it('loads the original GPT-2 layout (no transformer. prefix, causal-mask buffers) and warns about unused tensors', async () => {
    const legacy = weights((m) => {
      for (const [k, v] of [...m]) {
        m.delete(k);
        m.set(k.replace(/^transformer\./, ''), v);
      }
      m.set('h.0.attn.bias', { dtype: 'F32', shape: [1, 1, 4, 4], data: new Float32Array(16) });
      m.set('score.weight', { dtype: 'F32', shape: [2, 32], data: new Float32Array(64) });
    });
    const warnings: string[] = [];
    const model = await loadPretrained(memorySource({ 'config.json': gpt2Config, 'model.safetensors': legacy }), { backend: cpu, onWarning: (w) => warnings.push(w) });
    const c = readCase('gpt2_lora');
    const logits = noGrad(() => model.forward({ inputIds: intTensor(c.inputs.input_ids, cpu) }).logits);
    expectClose(await readF64(logits), flat(c.logits_base), { atol: 1e-5, rtol: 0 }, 'legacy logits');
    expect(warnings.join('\n')).toMatch(/ignored 1 checkpoint tensor\(s\) the model does not use: score\.weight/);
  });

  it('loads from a folder on disk and ties the GPT-2 head to the embedding', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-ckpt-'));
    writeFileSync(join(dir, 'config.json'), gpt2Config);
    writeFileSync(join(dir, 'model.safetensors'), weights());
    const model = await loadPretrained(directorySource(dir), quiet);
    const params = new Map(model.namedParameters());
    expect(params.has('lm_head.weight')).toBe(false); // listed once, under the embedding's name
    expect(model.getModule('lm_head')).toHaveProperty('weight', params.get('transformer.wte.weight'));
    expect(model.training).toBe(false);
  });
});

describe('createModel', () => {
  it('builds a model with transformers parameter names from a config alone', () => {
    const model = createModel({ model_type: 'gpt2', vocab_size: 50, n_embd: 16, n_layer: 2, n_head: 2, n_positions: 32 }, { backend: cpu });
    const names = [...model.namedParameters()].map(([n]) => n);
    expect(names.slice(0, 6)).toEqual(['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.0.ln_1.weight', 'transformer.h.0.ln_1.bias', 'transformer.h.0.attn.c_attn.weight', 'transformer.h.0.attn.c_attn.bias']);
    expect(supportedArchitectures()).toContain('GPT2LMHeadModel');
  });
});
