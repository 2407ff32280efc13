import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@peft/core';
import { formatPythonJson, parseStrictJson } from '@peft/core/plugin';
import { caseDir } from '@peft/testing';
import { LOKR_SCHEMA, lokr, lokrConfig } from './index.js';

const lokrDefaultTargets = (t: string) => lokr.defaultTargets!(t);

/** The keys `LoKrConfig().to_dict()` has in PEFT 0.21, `peft_version` aside. */
const PEFT_KEYS = [
  'alpha', 'alpha_pattern', 'auto_mapping', 'base_model_name_or_path', 'decompose_both', 'decompose_factor', 'exclude_modules', 'inference_mode',
  'init_weights', 'layers_pattern', 'layers_to_transform', 'module_dropout', 'modules_to_save', 'peft_type', 'r', 'rank_dropout',
  'rank_dropout_scale', 'rank_pattern', 'revision', 'target_modules', 'task_type', 'use_effective_conv2d',
];

describe('the LoKr config', () => {
  it("has PEFT's defaults and writes exactly PEFT 0.21's keys", () => {
    const c = lokrConfig();
    expect([c.r, c.alpha, c.decomposeFactor, c.decomposeBoth, c.rankDropoutScale, c.initWeights]).toEqual([8, 8, -1, false, false, true]);
    expect([...LOKR_SCHEMA.toJson(c).keys()].sort()).toEqual(PEFT_KEYS);
  });

  it('reads a file written by Python PEFT and writes it back unchanged', () => {
    const text = readFileSync(join(caseDir('bert_lokr'), 'adapter_config.json'), 'utf8');
    const warnings: string[] = [];
    const c = LOKR_SCHEMA.parse(parseStrictJson(text, 'adapter_config.json'), { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect([c.r, c.initWeights, c.taskType, c.modulesToSave]).toEqual([4, false, 'SEQ_CLS', ['classifier', 'score']]);
    expect(formatPythonJson(LOKR_SCHEMA.toJson(c))).toBe(text);
  });

  it('accepts init_weights "lycoris" and refuses other strings', () => {
    expect(LOKR_SCHEMA.parse({ init_weights: 'lycoris' }).initWeights).toBe('lycoris');
    expect(() => LOKR_SCHEMA.parse({ init_weights: 'gaussian' })).toThrow('lokr: init_weights must be one of true, false, "lycoris", got "gaussian"');
  });

  it('refuses use_effective_conv2d, layers_pattern without layers_to_transform and out-of-range dropouts', () => {
    expect(() => LOKR_SCHEMA.parse({ use_effective_conv2d: true })).toThrow(/use_effective_conv2d=true is not supported by @peft\/lokr/);
    expect(() => lokrConfig({ layersPattern: 'layers' })).toThrow('lokr: layers_pattern needs layers_to_transform too (got layers_pattern "layers" and no layers_to_transform)');
    expect(lokrConfig({ layersPattern: 'layers', layersToTransform: [0] }).layersPattern).toBe('layers');
    expect(() => lokrConfig({ rankDropout: 2 })).toThrow(ConfigError);
    expect(() => lokrConfig({ decomposeFactor: 1.5 })).toThrow('lokr: decompose_factor must be an integer, got 1.5');
  });

  it("knows PEFT's default targets per model type", () => {
    expect(lokrDefaultTargets('llama')).toEqual(['q_proj', 'v_proj']);
    expect(lokrDefaultTargets('phi')).toEqual(['q_proj', 'v_proj', 'fc1', 'fc2']);
    expect(lokrDefaultTargets('unknown')).toBeUndefined();
  });
});
