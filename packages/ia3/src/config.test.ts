import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@peft/core';
import { formatPythonJson, parseStrictJson } from '@peft/core/plugin';
import { caseDir } from '@peft/testing';
import { describe, expect, it } from 'vitest';
import { IA3_SCHEMA, checkFeedforwardSubset, ia3Config, isFeedforwardModule } from './config.js';

/** The keys Python PEFT 0.21's `IA3Config().to_dict()` has, `peft_version` aside. */
const PEFT_021_KEYS = [
  'auto_mapping',
  'base_model_name_or_path',
  'exclude_modules',
  'fan_in_fan_out',
  'feedforward_modules',
  'inference_mode',
  'init_ia3_weights',
  'modules_to_save',
  'peft_type',
  'revision',
  'target_modules',
  'task_type',
];

describe('the (IA)³ config', () => {
  it("takes Hugging Face PEFT's defaults", () => {
    const c = ia3Config();
    expect(c.peftType).toBe('IA3');
    expect([c.targetModules, c.feedforwardModules, c.excludeModules, c.modulesToSave]).toEqual([null, null, null, null]);
    expect(c.initIa3Weights).toBe(true);
    expect(c.fanInFanOut).toBe(false);
  });

  it('writes exactly the keys PEFT 0.21 writes, sorted, with inference_mode true', () => {
    const json = IA3_SCHEMA.toJson(ia3Config({ targetModules: ['k', 'wo'], feedforwardModules: ['wo'] }));
    expect([...json.keys()].sort()).toEqual(PEFT_021_KEYS);
    expect(json.get('inference_mode')).toBe(true);
    expect(json.get('feedforward_modules')).toEqual(['wo']);
  });

  it.each(['gpt2_ia3', 'llama_ia3', 'bert_ia3'])('reads and writes back the adapter_config.json of %s unchanged', (name) => {
    const text = readFileSync(join(caseDir(name), 'adapter_config.json'), 'utf8');
    const warnings: string[] = [];
    const config = IA3_SCHEMA.parse(parseStrictJson(text, name), { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(formatPythonJson(IA3_SCHEMA.toJson(config))).toBe(text.trimEnd());
  });

  it('warns about unknown keys and ignores peft_version', () => {
    const warnings: string[] = [];
    const c = IA3_SCHEMA.parse({ peft_type: 'IA3', peft_version: '0.21.0', target_modules: ['q'], layers_to_transform: [0] }, { warn: (m) => warnings.push(m) });
    expect(c.targetModules).toEqual(['q']);
    expect(warnings).toEqual(['ia3: ignoring unknown config keys "layers_to_transform"']);
  });

  it('rejects bad values with a ConfigError naming the key', () => {
    expect(() => IA3_SCHEMA.parse({ peft_type: 'IA3', init_ia3_weights: 'yes' })).toThrow(/ia3: init_ia3_weights must be true or false, got "yes"/);
    expect(() => IA3_SCHEMA.parse({ peft_type: 'IA3', feedforward_modules: [1] })).toThrow(/feedforward_modules must be a regex string, a list of module names or null/);
    expect(() => IA3_SCHEMA.parse({ peft_type: 'LORA' })).toThrow(/peft_type must be "IA3", got "LORA"/);
  });

  it('requires feedforward_modules to be a subset of target_modules when both are lists, as PEFT does', () => {
    expect(() => ia3Config({ targetModules: ['k_proj', 'v_proj'], feedforwardModules: ['down_proj', 'v_proj', 'up_proj'] })).toThrow(ConfigError);
    expect(() => ia3Config({ targetModules: ['k_proj', 'v_proj'], feedforwardModules: ['down_proj'] })).toThrow(
      'ia3: feedforward_modules must be a subset of target_modules; "down_proj" is not in target_modules ["k_proj","v_proj"]',
    );
    expect(() => checkFeedforwardSubset({ targetModules: ['a'], feedforwardModules: ['b', 'c'] })).toThrow(/"b", "c" are not in target_modules/);
    // a regex on either side, or no feed-forward list, is not checked
    expect(ia3Config({ targetModules: '.*proj', feedforwardModules: ['down_proj'] }).feedforwardModules).toEqual(['down_proj']);
    expect(ia3Config({ targetModules: ['k_proj'], feedforwardModules: '.*down_proj' }).targetModules).toEqual(['k_proj']);
    expect(ia3Config({ targetModules: ['k_proj'] }).feedforwardModules).toBeNull();
  });

  it('reads a saved file whose feed-forward modules are not all targets (PEFT writes such files)', () => {
    const c = IA3_SCHEMA.parse({ peft_type: 'IA3', target_modules: ['c_attn'], feedforward_modules: ['mlp.c_proj'] });
    expect(c.feedforwardModules).toEqual(['mlp.c_proj']);
  });
});

describe('feed-forward matching', () => {
  it('matches list entries as PEFT does: the path ends with the entry, with no dot required', () => {
    expect(isFeedforwardModule(['output.dense'], 'bert.encoder.layer.0.attention.output.dense')).toBe(true);
    expect(isFeedforwardModule(['output.dense'], 'bert.encoder.layer.0.output.dense')).toBe(true);
    expect(isFeedforwardModule(['output.dense'], 'bert.encoder.layer.0.attention.self.value')).toBe(false);
    expect(isFeedforwardModule(['fc'], 'transformer.h.0.mlp.c_fc')).toBe(true);
    expect(isFeedforwardModule([], 'model.layers.0.mlp.down_proj')).toBe(false);
    expect(isFeedforwardModule(null, 'model.layers.0.mlp.down_proj')).toBe(false);
  });

  it('matches a string as a full-match regex', () => {
    expect(isFeedforwardModule('.*\\.mlp\\.down_proj', 'model.layers.1.mlp.down_proj')).toBe(true);
    expect(isFeedforwardModule('down_proj', 'model.layers.1.mlp.down_proj')).toBe(false);
  });
});
