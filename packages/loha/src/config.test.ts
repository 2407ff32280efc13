import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@peft/core';
import { formatPythonJson, parseStrictJson } from '@peft/core/plugin';
import { caseDir } from '@peft/testing';
import { LOHA_SCHEMA, loha, lohaConfig } from './index.js';

const lohaDefaultTargets = (t: string) => loha.defaultTargets!(t);

/** The keys `LoHaConfig().to_dict()` has in PEFT 0.21, `peft_version` aside. */
const PEFT_KEYS = [
  'alpha', 'alpha_pattern', 'auto_mapping', 'base_model_name_or_path', 'exclude_modules', 'inference_mode', 'init_weights', 'layers_pattern',
  'layers_to_transform', 'module_dropout', 'modules_to_save', 'peft_type', 'r', 'rank_dropout', 'rank_pattern', 'revision', 'target_modules',
  'task_type', 'use_effective_conv2d',
];

describe('the LoHa config', () => {
  it("has PEFT's defaults and writes exactly PEFT 0.21's keys", () => {
    const c = lohaConfig();
    expect([c.r, c.alpha, c.rankDropout, c.moduleDropout, c.initWeights, c.targetModules]).toEqual([8, 8, 0, 0, true, null]);
    expect([...LOHA_SCHEMA.toJson(c).keys()].sort()).toEqual(PEFT_KEYS);
  });

  it('reads a file written by Python PEFT and writes it back unchanged', () => {
    const text = readFileSync(join(caseDir('llama_loha'), 'adapter_config.json'), 'utf8');
    const warnings: string[] = [];
    const c = LOHA_SCHEMA.parse(parseStrictJson(text, 'adapter_config.json'), { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect([c.r, c.alpha, c.initWeights, c.taskType]).toEqual([4, 8, false, 'CAUSAL_LM']);
    expect(formatPythonJson(LOHA_SCHEMA.toJson(c)).replace('"models/llama"', 'X')).toBe(text.replace('"models/llama"', 'X'));
  });

  it('refuses use_effective_conv2d (only convolution layers use it), out-of-range dropouts and a zero rank', () => {
    expect(() => LOHA_SCHEMA.parse({ use_effective_conv2d: true })).toThrow(ConfigError);
    expect(() => LOHA_SCHEMA.parse({ use_effective_conv2d: true })).toThrow(/use_effective_conv2d=true is not supported by @peft\/loha/);
    expect(() => lohaConfig({ rankDropout: 1.5 })).toThrow('loha: rank_dropout must be a number in [0, 1], got 1.5');
    expect(() => lohaConfig({ moduleDropout: -0.1 })).toThrow(ConfigError);
    expect(() => lohaConfig({ r: 0 })).toThrow('loha: r must be an integer ≥ 1, got 0');
  });

  it("knows PEFT's default targets per model type", () => {
    expect(lohaDefaultTargets('llama')).toEqual(['q_proj', 'v_proj']);
    expect(lohaDefaultTargets('gpt2')).toEqual(['c_attn']);
    expect(lohaDefaultTargets('bert')).toEqual(['query', 'value']);
    expect(lohaDefaultTargets('toString')).toBeUndefined();
  });
});
