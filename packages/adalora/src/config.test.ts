import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@peft/core';
import { formatPythonJson, parseStrictJson } from '@peft/core/plugin';
import { ADALORA_SCHEMA, adaloraConfig } from './index.js';

const TRAINED = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'pruning', 'trained', 'adapter_config.json');

describe('adaloraConfig', () => {
  it("takes Hugging Face PEFT's defaults", () => {
    const c = adaloraConfig({ totalStep: 100 });
    expect(c).toMatchObject({ peftType: 'ADALORA', initR: 12, targetR: 8, tinit: 0, tfinal: 0, deltaT: 1, beta1: 0.85, beta2: 0.85, orthRegWeight: 0.5, loraAlpha: 8, rankPattern: null });
  });

  it('requires total_step, with an error that says how to give it', () => {
    expect(() => adaloraConfig()).toThrow(ConfigError);
    expect(() => adaloraConfig()).toThrow(/total_step is required .* pass totalStep/);
    expect(() => ADALORA_SCHEMA.parse({ peft_type: 'ADALORA', total_step: null })).toThrow(/total_step is required/);
    expect(() => adaloraConfig({ totalStep: 0 })).toThrow(/total_step must be an integer ≥ 1, got 0/);
  });

  it('refuses a schedule without a budgeting phase, and out-of-range weights', () => {
    expect(() => adaloraConfig({ totalStep: 100, tinit: 50, tfinal: 50 })).toThrow(/tinit \(50\) must be smaller than total_step − tfinal \(100 − 50 = 50\)/);
    expect(() => adaloraConfig({ totalStep: 100, orthRegWeight: -1 })).toThrow(/orth_reg_weight must be ≥ 0, got -1/);
    expect(() => adaloraConfig({ totalStep: 100, beta1: 1 })).toThrow(/beta1 must be in \(0, 1\), got 1/);
  });

  it('refuses what AdaLoRA does not support', () => {
    expect(() => adaloraConfig({ totalStep: 100, useDora: true })).toThrow(/use_dora=true is not supported by @peft\/adalora/);
    expect(() => ADALORA_SCHEMA.parse({ peft_type: 'ADALORA', total_step: 10, bias: 'all' })).toThrow(/bias="all" is not supported/);
  });

  it('reads rank_pattern as module → booleans, one per rank', () => {
    const c = adaloraConfig({ totalStep: 10, initR: 3, rankPattern: new Map([['model.layers.0.self_attn.q_proj.lora_E', [true, false, true]]]) });
    expect(c.rankPattern?.get('model.layers.0.self_attn.q_proj.lora_E')).toEqual([true, false, true]);
    expect(ADALORA_SCHEMA.parse({ peft_type: 'ADALORA', total_step: 10, rank_pattern: { 'x.lora_E': [false, true] } }).rankPattern).toEqual(new Map([['x.lora_E', [false, true]]]));
    expect(() => ADALORA_SCHEMA.parse({ peft_type: 'ADALORA', total_step: 10, rank_pattern: { 'x.lora_E': [1, 0] } })).toThrow(/rank_pattern\["x.lora_E"\] must be a list of booleans/);
  });

  it('writes back, byte for byte, the adapter_config.json Python PEFT 0.21 wrote (rank_pattern included)', () => {
    const text = readFileSync(TRAINED, 'utf8');
    const warnings: string[] = [];
    const parsed = parseStrictJson(text, 'trained') as Map<string, unknown>;
    const config = ADALORA_SCHEMA.parse(parsed, { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    const ours = ADALORA_SCHEMA.toJson(config);
    ours.set('peft_version', parsed.get('peft_version') as string);
    expect(formatPythonJson(ours, { keepOrderOf: ['rank_pattern', 'alpha_pattern'] })).toBe(text);
  });
});
