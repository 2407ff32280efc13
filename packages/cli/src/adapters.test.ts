import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SafetensorsTensorInput } from '@peft/core';
import { loadSafetensorsFile, nodeGPU, saveSafetensorsFile } from '@peft/core/node';
import { testWebGPU } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { adapterNames } from './adapters.js';
import { adapterCase, adapterCaseDir, fixtureModel, jsonFile, run, scratchDir } from './test-support/harness.js';

const flat = (x: unknown): number[] => (x as unknown[]).flat(Infinity as 1) as number[];
const maxAbsDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const gpu = await testWebGPU();
// The CLI releases Dawn's GPU object after each command; keep the one behind testWebGPU's device referenced.
const _dawn = gpu ? nodeGPU() : null;
const backends = gpu ? ['cpu', 'webgpu'] : ['cpu'];

async function forwardLogits(...args: string[]): Promise<{ shape: number[]; logits: number[] }> {
  const { code, stdout, stderr } = await run('forward', ...args, '--json');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const out = JSON.parse(stdout) as { shape: number[]; logits: unknown };
  return { shape: out.shape, logits: flat(out.logits) };
}

/** A copy of the GPT-2 fixture whose weights have both multi-adapter deltas (Python's get_delta_weight) added in. */
async function gpt2WithDeltas(adapters: readonly string[]): Promise<string> {
  const dir = scratchDir();
  copyFileSync(join(fixtureModel('gpt2'), 'config.json'), join(dir, 'config.json'));
  const base = await loadSafetensorsFile(join(fixtureModel('gpt2'), 'model.safetensors'));
  const deltas = await loadSafetensorsFile(join(adapterCaseDir('gpt2_lora_multi_adapter'), 'delta_weights.safetensors'));
  const out: Record<string, SafetensorsTensorInput> = {};
  let added = 0;
  for (const [name, t] of base.tensors) {
    const values = Float64Array.from(t.data as ArrayLike<number>);
    for (const a of adapters) {
      const d = deltas.tensors.get(`${a}.${name.replace(/\.weight$/, '')}`);
      if (!name.endsWith('.weight') || !d) continue;
      expect(d.shape).toEqual(t.shape);
      for (let i = 0; i < values.length; i++) values[i] += Number((d.data as ArrayLike<number>)[i]);
      added++;
    }
    out[name] = { dtype: 'F32', shape: t.shape, data: Float32Array.from(values) };
  }
  expect(added).toBe(6); // default: c_attn and c_fc of two blocks; other: c_attn of two blocks
  await saveSafetensorsFile(join(dir, 'model.safetensors'), out);
  return dir;
}

describe('adapterNames', () => {
  it('names the first adapter default and the others after their folder, without dots or repeats', () => {
    expect(adapterNames(['cases/a', 'cases/a/other', 'x/v1.2', 'y/other'])).toEqual(['default', 'other', 'v1_2', 'other_2']);
  });
});

describe.each(backends)('peft forward --adapter on %s', (backend) => {
  const c = adapterCase('gpt2_lora') as ReturnType<typeof adapterCase> & { logits_adapter: unknown; logits_merged: unknown };
  const inputs = jsonFile(c.inputs);
  const model = fixtureModel('gpt2');

  it('reproduces PEFT’s logits with the gpt2_lora adapter within 1e-5', async () => {
    const out = await forwardLogits('--model', model, '--adapter', adapterCaseDir('gpt2_lora'), '--input', inputs, '--backend', backend);
    expect(out.shape).toEqual([2, 8, 100]);
    expect(maxAbsDiff(out.logits, flat(c.logits_adapter))).toBeLessThan(1e-5);
    // the adapter really changes the model
    expect(maxAbsDiff(out.logits, flat(c.logits_base))).toBeGreaterThan(1e-3);
  });

  it('gives the same logits with --merge (and PEFT’s merged logits) within 1e-5', async () => {
    const out = await forwardLogits('--model', model, '--adapter', adapterCaseDir('gpt2_lora'), '--merge', '--input', inputs, '--backend', backend);
    expect(maxAbsDiff(out.logits, flat(c.logits_adapter))).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.logits, flat(c.logits_merged))).toBeLessThan(1e-5);
  });

  it('runs two adapters together as the base model with both deltas added, merged or not', async () => {
    const multi = adapterCase('gpt2_lora_multi_adapter') as ReturnType<typeof adapterCase> & { logits: Record<string, unknown> };
    const multiInputs = jsonFile(multi.inputs);
    const both = ['--adapter', adapterCaseDir('gpt2_lora_multi_adapter'), '--adapter', join(adapterCaseDir('gpt2_lora_multi_adapter'), 'other')];
    const together = await forwardLogits('--model', model, ...both, '--input', multiInputs, '--backend', backend);
    const merged = await forwardLogits('--model', model, ...both, '--merge', '--input', multiInputs, '--backend', backend);
    const expected = await forwardLogits('--model', await gpt2WithDeltas(['default', 'other']), '--input', multiInputs, '--backend', backend);
    expect(maxAbsDiff(together.logits, expected.logits)).toBeLessThan(1e-5);
    expect(maxAbsDiff(merged.logits, expected.logits)).toBeLessThan(1e-5);
    // each adapter alone matches PEFT, and neither alone is the pair
    const alone = await forwardLogits('--model', model, '--adapter', adapterCaseDir('gpt2_lora_multi_adapter'), '--input', multiInputs, '--backend', backend);
    expect(maxAbsDiff(alone.logits, flat(multi.logits.default))).toBeLessThan(1e-5);
    const other = await forwardLogits('--model', model, '--adapter', join(adapterCaseDir('gpt2_lora_multi_adapter'), 'other'), '--input', multiInputs, '--backend', backend);
    expect(maxAbsDiff(other.logits, flat(multi.logits.other))).toBeLessThan(1e-5);
    expect(maxAbsDiff(together.logits, alone.logits)).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(together.logits, other.logits)).toBeGreaterThan(1e-4);
  });
});

describe.each(backends)('peft generate --adapter on %s', (backend) => {
  const c = adapterCase('gpt2_lora_generate') as ReturnType<typeof adapterCase> & { with_adapter: { sequences: number[][] }; base_model: { sequences: number[][] } };

  it.each([[0], [1]])('matches PEFT’s greedy 8-token continuation of prompt row %i, merged or not', async (row) => {
    const ids = c.inputs.input_ids[row].join(',');
    for (const merge of [[], ['--merge']]) {
      const args = ['generate', '--model', fixtureModel('gpt2'), '--adapter', adapterCaseDir('gpt2_lora_generate'), ...merge, '--ids', ids, '--max-new-tokens', '8', '--greedy', '--json', '--backend', backend];
      const { code, stdout, stderr } = await run(...args);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual({ sequences: [c.with_adapter.sequences[row]] });
    }
    expect(c.with_adapter.sequences[row]).not.toEqual(c.base_model.sequences[row]);
  });
});

describe('peft forward and generate with adapters, in words and in error', () => {
  const model = fixtureModel('gpt2');

  it('refuses an adapter whose peft_type the CLI has no method for, naming the package to install', async () => {
    const dir = join(scratchDir(), 'boft');
    mkdirSync(dir);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'BOFT' }));
    for (const cmd of [['forward', '--input', jsonFile({ input_ids: [[1, 2]] })], ['generate', '--ids', '1,2']]) {
      const { code, stdout, stderr } = await run(cmd[0], '--model', model, '--adapter', dir, ...cmd.slice(1), '--backend', 'cpu');
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^peft: .*peft_type "BOFT".*no @peft package implements it; register a PeftMethod/);
      expect(stderr).toContain('registered: LORA, ADALORA, LOHA, LOKR, IA3, BOTTLENECK, BITFIT, PROMPT_TUNING, P_TUNING, PREFIX_TUNING');
    }
  });

  it('names a missing adapter folder', async () => {
    const { code, stderr } = await run('forward', '--model', model, '--adapter', '/nonexistent/adapter', '--input', jsonFile({ input_ids: [[1, 2]] }), '--backend', 'cpu');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^peft: .*\/nonexistent\/adapter\/adapter_config\.json not found/);
  });

  it('names the adapters in the summary without --json', async () => {
    const dir = adapterCaseDir('gpt2_lora_multi_adapter');
    const { code, stdout } = await run('forward', '--model', model, '--adapter', dir, '--adapter', join(dir, 'other'), '--merge', '--input', jsonFile({ input_ids: [[1, 2]] }), '--backend', 'cpu');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^GPT2LMHeadModel \(gpt2, causal-lm\) on cpu.* with adapters default, other \(merged\)\n/);
  });

  it('treats --merge without --adapter as a usage mistake', async () => {
    const { code, stderr } = await run('forward', '--model', model, '--merge', '--input', 'x.json');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^peft: forward: --merge needs at least one --adapter DIR/);
  });
});
