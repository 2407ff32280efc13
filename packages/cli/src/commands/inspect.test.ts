import { join } from 'node:path';
import { copyFileSync, writeFileSync } from 'node:fs';
import { readSafetensorsFileHeader, loadSafetensorsFile, saveSafetensorsFile } from '@peft/core/node';
import type { SafetensorsTensorInput } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { fixtureModel, run, scratchDir } from '../test-support/harness.js';

interface Report {
  architecture: string | null;
  className: string | null;
  supported: boolean;
  modelType: string | null;
  config: Record<string, unknown>;
  parameters: number;
  tensors: { name: string; shape: number[]; dtype: string; file: string }[];
}

async function inspectJson(dir: string): Promise<Report> {
  const { code, stdout, stderr } = await run('inspect', dir, '--json');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as Report;
}

describe('peft inspect', () => {
  it.each(['gpt2', 'llama', 'bert'] as const)('lists every tensor of the %s fixture with the shapes and dtypes of its header', async (name) => {
    const header = await readSafetensorsFileHeader(join(fixtureModel(name), 'model.safetensors'));
    const report = await inspectJson(fixtureModel(name));
    expect(report.tensors).toHaveLength(header.tensors.size);
    for (const t of report.tensors) {
      const entry = header.tensors.get(t.name);
      expect(entry, t.name).toBeDefined();
      expect(t.shape).toEqual(entry!.shape);
      expect(t.dtype).toBe(entry!.dtype);
    }
    const total = [...header.tensors.values()].reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
    expect(report.parameters).toBe(total);
    expect(report.supported).toBe(true);
  });

  it('reports the architecture and key config fields of GPT-2', async () => {
    const report = await inspectJson(fixtureModel('gpt2'));
    expect(report).toMatchObject({ architecture: 'GPT2LMHeadModel', className: 'GPT2LMHeadModel', modelType: 'gpt2' });
    expect(report.config).toMatchObject({ vocab_size: 100, n_embd: 32, n_layer: 2, n_head: 4 });
    expect(report.tensors.find((t) => t.name === 'transformer.wte.weight')?.shape).toEqual([100, 32]);
  });

  it('prints a readable table', async () => {
    const { code, stdout } = await run('inspect', fixtureModel('llama'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^checkpoint {4}.*llama\narchitecture {2}LlamaForCausalLM, supported\nmodel_type {4}llama\nparameters {4}/);
    expect(stdout).toMatch(/\nname +shape +dtype\n-+ +-+ +-+\n/);
    expect(stdout).toMatch(/\nmodel\.embed_tokens\.weight +\[100, 32\] +F32\n/);
  });

  it('reads the headers of a sharded checkpoint listed in model.safetensors.index.json', async () => {
    const dir = scratchDir();
    copyFileSync(join(fixtureModel('gpt2'), 'config.json'), join(dir, 'config.json'));
    const { tensors } = await loadSafetensorsFile(join(fixtureModel('gpt2'), 'model.safetensors'));
    const names = [...tensors.keys()];
    const shards: Record<string, SafetensorsTensorInput>[] = [{}, {}];
    const weightMap: Record<string, string> = {};
    names.forEach((n, i) => {
      const shard = i < names.length / 2 ? 0 : 1;
      const t = tensors.get(n)!;
      // the second shard is stored in f16, as half-precision checkpoints are
      shards[shard][n] = { dtype: shard === 0 ? 'F32' : 'F16', shape: t.shape, data: t.data };
      weightMap[n] = `model-0000${shard + 1}-of-00002.safetensors`;
    });
    await saveSafetensorsFile(join(dir, 'model-00001-of-00002.safetensors'), shards[0]);
    await saveSafetensorsFile(join(dir, 'model-00002-of-00002.safetensors'), shards[1]);
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const report = await inspectJson(dir);
    expect(report.tensors.map((t) => t.name).sort()).toEqual([...names].sort());
    expect(new Set(report.tensors.map((t) => t.file))).toEqual(new Set(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']));
    expect(report.tensors.filter((t) => t.dtype === 'F16')).toHaveLength(Object.keys(shards[1]).length);
    const { stdout } = await run('inspect', dir);
    expect(stdout).toMatch(/\nname +shape +dtype +file\n/);
  });

  it('still describes a checkpoint whose architecture is unknown', async () => {
    const dir = scratchDir();
    copyFileSync(join(fixtureModel('gpt2'), 'model.safetensors'), join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ architectures: ['MambaForCausalLM'], model_type: 'mamba' }));
    const report = await inspectJson(dir);
    expect(report).toMatchObject({ architecture: 'MambaForCausalLM', className: null, supported: false });
    const { stdout } = await run('inspect', dir);
    expect(stdout).toMatch(/architecture {2}MambaForCausalLM, not supported by @peft\/models/);
  });

  it('fails clearly on a folder without weights, a missing shard and a missing folder', async () => {
    const dir = scratchDir();
    copyFileSync(join(fixtureModel('gpt2'), 'config.json'), join(dir, 'config.json'));
    const none = await run('inspect', dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^peft: inspect: .*: no model\.safetensors or model\.safetensors\.index\.json/);
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 'shard-1.safetensors' } }));
    const missing = await run('inspect', dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/shard-1\.safetensors: listed in model\.safetensors\.index\.json but missing/);
    const gone = await run('inspect', join(dir, 'nope'));
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^peft: .*nope\/config\.json: not found/);
  });

  it('needs the folder argument', async () => {
    const { code, stderr } = await run('inspect');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^peft: inspect: the checkpoint folder DIR is required/);
  });
});
