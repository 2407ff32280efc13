import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MethodRegistry, PeftModel, PluginError, loadSafetensorsTensors, memorySource, noGrad } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { FIXTURE_TOLERANCE, createTinyModel, intTensor, loadFixtureModel, tinyBatch } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { VeraLinear, vera, veraConfig } from './index.js';

const FIXTURE = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'test', 'fixtures', 'gpt2-vera');
const expected = JSON.parse(readFileSync(join(FIXTURE, 'expected.json'), 'utf8')) as Record<string, number[] | number[][]>;
const backends = await testBackends();
const registry = new MethodRegistry();
registry.register(vera);

describe.each(backends)('VeRA on $name', ({ backend }) => {
  it('reproduces the logits of an adapter saved by Python PEFT, with the adapter and merged', async () => {
    const model = await loadFixtureModel('gpt2', backend);
    const peft = await PeftModel.fromPretrained(model, FIXTURE, { registry, warn: () => {} });
    const inputIds = intTensor(expected.input_ids, backend);
    const logits = noGrad(() => peft.forward({ inputIds }).logits);
    expectClose(await readF64(logits), expected.logits_adapter as number[], FIXTURE_TOLERANCE.logits, 'adapter logits');
    const merged = peft.mergeAndUnload();
    expectClose(await readF64(noGrad(() => merged.forward({ inputIds }).logits)), expected.logits_merged as number[], FIXTURE_TOLERANCE.logits, 'merged logits');
  });

  it('saves the shared projections once, under the names Python PEFT uses, and the config with its keys', async () => {
    const model = await loadFixtureModel('gpt2', backend);
    const peft = await PeftModel.fromPretrained(model, FIXTURE, { registry, warn: () => {} });
    const files = await peft.adapterFiles();
    const ours = loadSafetensorsTensors(files.weights, { backend }).tensors;
    const theirs = loadSafetensorsTensors(readFileSync(join(FIXTURE, 'adapter_model.safetensors')), { backend }).tensors;
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    expect(ours.get('base_model.vera_A')?.shape).toEqual([4, 32]); // [r, hidden]
    expect(ours.get('base_model.vera_B')?.shape).toEqual([128, 4]); // [mlp.c_fc's output, r]
    for (const [k, t] of theirs) {
      expect(ours.get(k)?.shape, k).toEqual(t.shape);
      expect(await readF64(ours.get(k)!), k).toEqual(await readF64(t));
    }
    const config = JSON.parse(files.config) as Record<string, unknown>;
    const python = JSON.parse(readFileSync(join(FIXTURE, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['r', 'projection_prng_key', 'save_projection', 'vera_dropout', 'd_initial', 'fan_in_fan_out', 'target_modules', 'init_weights', 'peft_type']) {
      expect(config[key], key).toEqual(python[key]);
    }
  });

  it('leaves the projections out with saveProjection: false and makes the same ones again from projection_prng_key', async () => {
    const peft = new PeftModel(createTinyModel('llama', backend, 0), { registry, warn: () => {} });
    await peft.addAdapter('default', veraConfig({ r: 4, initWeights: false, saveProjection: false, projectionPrngKey: 3, targetModules: ['q_proj', 'up_proj'] }));
    const files = await peft.adapterFiles();
    const keys = [...loadSafetensorsTensors(files.weights, { backend }).tensors.keys()];
    expect(keys.filter((k) => k.startsWith('base_model.vera_'))).toEqual([]);
    expect(keys.filter((k) => k.endsWith('vera_lambda_d'))).toHaveLength(4);
    const { inputIds } = tinyBatch('llama', backend);
    const before = await readF64(noGrad(() => peft.forward({ inputIds }).logits));
    const loaded = await PeftModel.fromPretrained(createTinyModel('llama', backend, 0), memorySource({ 'adapter_config.json': files.config, 'adapter_model.safetensors': files.weights }), { registry, warn: () => {} });
    expect(await readF64(noGrad(() => loaded.forward({ inputIds }).logits))).toEqual(before);
  });

  it('shares one pair of projections between layers of different sizes, sized for the largest', async () => {
    const peft = new PeftModel(createTinyModel('llama', backend, 0), { registry, warn: () => {} });
    await peft.addAdapter('default', veraConfig({ r: 4, targetModules: ['q_proj', 'up_proj', 'down_proj'] }));
    const layers = peft.layers().map(([, l]) => l as VeraLinear);
    const projections = new Set(layers.map((l) => l.projectionsOf('default')));
    expect(projections.size).toBe(1);
    const [p] = projections;
    expect([p.a.shape, p.b.shape]).toEqual([[4, Math.max(...layers.map((l) => l.inFeatures))], [Math.max(...layers.map((l) => l.outFeatures)), 4]]);
    expect(p.a.requiresGrad || p.b.requiresGrad).toBe(false);
  });
});

describe('registering the VeRA example', () => {
  it('refuses a VeRA adapter whose method is not registered, naming its peft_type', async () => {
    const [{ backend }] = backends;
    const model = await loadFixtureModel('gpt2', backend);
    const load = PeftModel.fromPretrained(model, FIXTURE, { registry: new MethodRegistry(), warn: () => {} });
    await expect(load).rejects.toThrow(PluginError);
    await expect(load).rejects.toThrow(/peft_type "VERA"/);
  });

  it('is found by its peft_type once registered', () => {
    const r = new MethodRegistry();
    r.register(vera);
    expect(r.get('VERA', 'test')).toBe(vera);
  });
});
