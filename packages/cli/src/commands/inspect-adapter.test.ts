import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveSafetensorsFile } from '@peft/core/node';
import { describe, expect, it } from 'vitest';
import { adapterCase, adapterCaseDir, fixtureModel, run, scratchDir } from '../test-support/harness.js';
import type { AdapterReport } from './inspect-adapter.js';

interface SavedHeader {
  header_order: string[];
  tensors: Record<string, { dtype: string; shape: number[] }>;
}

async function inspectJson(...args: string[]): Promise<AdapterReport> {
  const { code, stdout, stderr } = await run('inspect', ...args, '--json');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as AdapterReport;
}

describe('peft inspect on an adapter folder', () => {
  it.each(['gpt2_lora', 'llama_lora_rank_alpha_pattern', 'bert_lora'])('lists the tensors, config and method of %s as saved by PEFT', async (name) => {
    const c = adapterCase(name) as ReturnType<typeof adapterCase> & { adapter_config: Record<string, unknown>; adapter_safetensors: SavedHeader };
    const report = await inspectJson(adapterCaseDir(name));
    expect(report).toMatchObject({ kind: 'adapter', peftType: 'LORA', method: '@peft/lora' });
    expect(report.tensors.map((t) => t.name)).toEqual(c.adapter_safetensors.header_order);
    for (const t of report.tensors) expect({ dtype: t.dtype, shape: t.shape }).toEqual(c.adapter_safetensors.tensors[t.name]);
    const elements = Object.values(c.adapter_safetensors.tensors).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    expect(report.parameters).toBe(elements);
    expect(Object.keys(report.config)).toEqual(Object.keys(c.adapter_config).sort());
    expect(report.config).toEqual(c.adapter_config);
    expect(report.targetModules).toEqual(c.adapter_config.target_modules);
    expect([report.rank, report.alpha]).toEqual([c.adapter_config.r, c.adapter_config.lora_alpha]);
  });

  it('prints the method, targets, rank and alpha, sorted config lines and a tensor table', async () => {
    const { code, stdout } = await run('inspect', adapterCaseDir('gpt2_lora'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^adapter {9}.*gpt2_lora\nmethod {10}LORA \(@peft\/lora\)\ntarget modules {2}c_attn\nrank \/ alpha {4}4 \/ 8\nparameters {6}1024 in 4 tensors\n/);
    const config = [...stdout.matchAll(/^ {2}(\w+) = /gm)].map((m) => m[1]);
    expect(config).toEqual([...config].sort());
    expect(config).toContain('peft_type');
    expect(stdout).toContain('  r = 4\n');
    expect(stdout).toMatch(/\nname +dtype +shape\n-+ +-+ +-+\n/);
    expect(stdout).toMatch(/\nbase_model\.model\.transformer\.h\.0\.attn\.c_attn\.lora_B\.weight +F32 +\[96, 4\]\n/);
  });

  it('with --model prints PEFT’s trainable-parameter line and the modules the config wraps', async () => {
    const c = adapterCase('gpt2_lora') as ReturnType<typeof adapterCase> & { print_trainable_parameters: string; trainable_params: number; all_params: number };
    const report = await inspectJson(adapterCaseDir('gpt2_lora'), '--model', fixtureModel('gpt2'));
    expect(report.model?.trainableParameters).toBe(c.print_trainable_parameters);
    expect([report.model?.trainable, report.model?.all]).toEqual([c.trainable_params, c.all_params]);
    expect(report.model?.wraps).toEqual([
      { path: 'transformer.h.0.attn.c_attn', className: 'Conv1D', key: 'c_attn' },
      { path: 'transformer.h.1.attn.c_attn', className: 'Conv1D', key: 'c_attn' },
    ]);
    const { stdout } = await run('inspect', adapterCaseDir('llama_lora'), '--model', fixtureModel('llama'));
    const llama = adapterCase('llama_lora') as ReturnType<typeof adapterCase> & { print_trainable_parameters: string };
    expect(stdout).toContain(`: ${llama.print_trainable_parameters}\n`);
    expect(stdout).toMatch(/\nwraps 8 modules:\n {2}model\.layers\.0\.self_attn\.q_proj \(Linear, matched "q_proj"\)\n/);
  });

  it('describes an adapter of a method the CLI lacks, but refuses to load it with --model', async () => {
    const dir = join(scratchDir(), 'boft');
    mkdirSync(dir);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'BOFT', r: 2, alpha: 4, target_modules: ['c_attn'] }));
    await saveSafetensorsFile(join(dir, 'adapter_model.safetensors'), { 'base_model.model.x.boft_R': { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) } });
    const report = await inspectJson(dir);
    expect(report).toMatchObject({ peftType: 'BOFT', method: null, rank: 2, alpha: 4, parameters: 6 });
    const loaded = await run('inspect', dir, '--model', fixtureModel('gpt2'));
    expect(loaded.code).toBe(1);
    expect(loaded.stdout).toBe('');
    expect(loaded.stderr).toMatch(/^peft: inspect: no method is registered for peft_type "BOFT": no @peft package implements it; register a PeftMethod/);
  });

  it('rejects --model on a model folder and a config without peft_type', async () => {
    const onModel = await run('inspect', fixtureModel('gpt2'), '--model', fixtureModel('gpt2'));
    expect(onModel.code).toBe(2);
    expect(onModel.stderr).toMatch(/^peft: inspect: --model DIR applies to adapter folders/);
    const dir = scratchDir();
    copyFileSync(join(adapterCaseDir('gpt2_lora'), 'adapter_model.safetensors'), join(dir, 'adapter_model.safetensors'));
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ r: 4 }));
    const bad = await run('inspect', dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/adapter_config\.json: expected "peft_type" to be a string such as "LORA", got null/);
  });
});
