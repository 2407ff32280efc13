import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapterCase, adapterCaseDir, fixtureModel, jsonFile, run, scratchDir } from '../test-support/harness.js';

const flat = (x: unknown): number[] => (x as unknown[]).flat(Infinity as 1) as number[];

describe('peft merge', () => {
  it('writes a checkpoint whose plain forward gives the recorded merged logits', async () => {
    const out = scratchDir();
    const merged = await run('merge', '--model', fixtureModel('llama'), '--adapter', adapterCaseDir('llama_lora'), '--out', out, '--backend', 'cpu');
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/merged 1 adapter\(s\)/);
    expect(existsSync(join(out, 'model.safetensors')) && existsSync(join(out, 'config.json'))).toBe(true);
    const c = adapterCase('llama_lora') as unknown as { inputs: { input_ids: number[][] }; logits_merged: unknown };
    const fwd = await run('forward', '--model', out, '--input', jsonFile({ input_ids: c.inputs.input_ids }), '--json', '--backend', 'cpu');
    expect(fwd.code).toBe(0);
    const logits = flat((JSON.parse(fwd.stdout) as { logits: unknown }).logits);
    const want = flat(c.logits_merged);
    expect(logits.length).toBe(want.length);
    expect(Math.max(...logits.map((v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-5);
  });

  it('asks for --out and for at least one adapter', async () => {
    expect((await run('merge', '--model', fixtureModel('gpt2'), '--adapter', adapterCaseDir('gpt2_lora'))).stderr).toMatch(/--out DIR is required/);
    expect((await run('merge', '--model', fixtureModel('gpt2'), '--out', scratchDir())).stderr).toMatch(/at least one --adapter DIR/);
  });
});

describe('peft methods', () => {
  it('lists the registered methods with their packages', async () => {
    const { code, stdout } = await run('methods', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { peft_type: string; package: string }[];
    expect(rows).toContainEqual({ peft_type: 'LORA', package: '@peft/lora' });
    expect((await run('methods')).stdout).toMatch(/^peft_type\s+package\nLORA\s+@peft\/lora/);
  });
});
