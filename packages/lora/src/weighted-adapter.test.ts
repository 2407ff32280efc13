import { type Backend, type PeftModel, type PretrainedModel, defaultRegistry, getPeftModel } from '@peft/core';
import { svd } from '@peft/core/plugin';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { createModel } from '@peft/models';
import { describe, expect, it } from 'vitest';
import { type LoraConfig, loraConfig } from './config.js';
import { LoraLinear } from './lora-linear.js';
import { lora } from './method.js';

defaultRegistry().register(lora);
const backends = await testBackends();

function tinyGpt2(backend: Backend): PretrainedModel {
  return createModel(
    { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 40, n_embd: 8, n_head: 2, n_layer: 1, n_positions: 16 },
    { backend },
  );
}

const C_ATTN = 'transformer.h.0.attn.c_attn';
const C_FC = 'transformer.h.0.mlp.c_fc';

/** default: r 4 / alpha 8 on c_attn and c_fc; other: r 4 / alpha 16 on c_attn (the fixtures' setup). */
async function twoAdapters(backend: Backend): Promise<PeftModel> {
  const peft = await getPeftModel(tinyGpt2(backend), loraConfig({ r: 4, loraAlpha: 8, targetModules: ['c_attn', 'c_fc'], initLoraWeights: false }));
  await peft.addAdapter('other', loraConfig({ r: 4, loraAlpha: 16, targetModules: ['c_attn'], initLoraWeights: false }));
  return peft;
}

function layerAt(peft: PeftModel, path: string): LoraLinear {
  const layer = peft.layers().find(([p]) => p === path)?.[1];
  if (!(layer instanceof LoraLinear)) throw new Error(`no LoRA layer at ${path}`);
  return layer;
}

/** Row-major [in, out] Conv1D delta as [out, in]. */
function rowsOf(d: Float64Array, inF: number, outF: number): Float64Array {
  const out = new Float64Array(d.length);
  for (let i = 0; i < inF; i++) for (let j = 0; j < outF; j++) out[j * inF + i] = d[i * outF + j];
  return out;
}

/** The best rank-k approximation of a row-major matrix. */
function truncate(m: Float64Array, rows: number, cols: number, k: number): Float64Array {
  const { u, s, vt, k: kk } = svd(m, rows, cols);
  const out = new Float64Array(rows * cols);
  for (let t = 0; t < Math.min(k, kk); t++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] += u[i * kk + t] * s[t] * vt[t * cols + j];
  return out;
}

describe.each(backends)('addWeightedLoraAdapter on $name', ({ backend }) => {
  it('cat stacks the adapters so that B·A = Σ wᵢ·ΔWᵢ, and a module gets nothing from an adapter that skips it', async () => {
    const peft = await twoAdapters(backend);
    await peft.addWeightedAdapter(['default', 'other'], [0.7, 0.3], 'mix', 'cat');
    const config = peft.peftConfig.get('mix') as LoraConfig;
    expect([config.r, config.loraAlpha]).toEqual([8, 8]);
    expect([...(config.targetModules as string[])].sort()).toEqual(['c_attn', 'c_fc']);
    const attn = layerAt(peft, C_ATTN);
    const [dd, dO, mix] = await Promise.all(['default', 'other', 'mix'].map((n) => readF64(attn.deltaWeight(n))));
    expectClose(mix, dd.map((v, i) => 0.7 * v + 0.3 * dO[i]), { atol: 1e-5 });
    const fc = layerAt(peft, C_FC);
    expect(fc.loraA.get('mix').weight.shape).toEqual([8, 8]);
    expectClose(await readF64(fc.deltaWeight('mix')), (await readF64(fc.deltaWeight('default'))).map((v) => 0.7 * v), { atol: 1e-5 });
  });

  it('linear adds √(wᵢsᵢ)-weighted A and B', async () => {
    const peft = await twoAdapters(backend);
    await peft.addWeightedAdapter(['default', 'other'], [0.7, -0.3], 'lin', 'linear');
    const attn = layerAt(peft, C_ATTN);
    const a = (n: string) => readF64(attn.loraA.get(n).weight);
    const b = (n: string) => readF64(attn.loraB.get(n).weight);
    const [ad, ao, al, bd, bo, bl] = await Promise.all([a('default'), a('other'), a('lin'), b('default'), b('other'), b('lin')]);
    const [cd, co] = [Math.sqrt(0.7 * 2), Math.sqrt(0.3 * 4)];
    expectClose(al, ad.map((v, i) => cd * v - co * ao[i]), { atol: 1e-6 });
    expectClose(bl, bd.map((v, i) => cd * v + co * bo[i]), { atol: 1e-6 });
    expect(attn.scalingOf('lin')).toBe(1);
  });

  it('svd keeps the best rank-svdRank part of Σ wᵢ·ΔWᵢ (scaling applied once)', async () => {
    const peft = await twoAdapters(backend);
    await peft.addWeightedAdapter(['default', 'other'], [0.7, 0.3], 'svd3', 'svd', { svdRank: 3 });
    const attn = layerAt(peft, C_ATTN);
    const [inF, outF] = [attn.inFeatures, attn.outFeatures];
    const [dd, dO, mix] = await Promise.all(['default', 'other', 'svd3'].map((n) => readF64(attn.deltaWeight(n))));
    const combined = rowsOf(dd.map((v, i) => 0.7 * v + 0.3 * dO[i]), inF, outF);
    expectClose(rowsOf(mix, inF, outF), truncate(combined, outF, inF, 3), { atol: 1e-5 });
    expect(attn.loraA.get('svd3').weight.shape).toEqual([3, inF]);
    const fc = layerAt(peft, C_FC);
    const fcDelta = rowsOf((await readF64(fc.deltaWeight('default'))).map((v) => 0.7 * v), fc.inFeatures, fc.outFeatures);
    expectClose(rowsOf(await readF64(fc.deltaWeight('svd3')), fc.inFeatures, fc.outFeatures), truncate(fcDelta, fc.outFeatures, fc.inFeatures, 3), { atol: 1e-5 });
  });

  it('refuses linear with unequal ranks and leaves an existing name alone', async () => {
    const peft = await twoAdapters(backend);
    await peft.addAdapter('r2', loraConfig({ r: 2, targetModules: ['c_attn'] }));
    await expect(peft.addWeightedAdapter(['default', 'r2'], [1, 1], 'x', 'linear')).rejects.toThrow(/equal r, got 4, 2/);
    const before = await readF64(layerAt(peft, C_ATTN).loraA.get('other').weight);
    await peft.addWeightedAdapter(['default'], [1], 'other', 'cat');
    expectClose(await readF64(layerAt(peft, C_ATTN).loraA.get('other').weight), before, { atol: 0 });
  });
});
