import { readFileSync, readdirSync } from 'node:fs';
import { ConfigError } from '@peft/core';
import { type JsonValue, formatPythonJson, parseStrictJson } from '@peft/core/plugin';
import { describe, expect, it } from 'vitest';
import { LORA_SCHEMA, loraConfig } from './config.js';
import { ADDED_IN_0_21 } from './test-support/peft-021-keys.js';

const dir = new URL('../test/fixtures/configs/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
const read = (file: string): string => readFileSync(new URL(file, dir), 'utf8');

function expectConfigError(fn: () => unknown, ...fragments: string[]): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  for (const f of fragments) expect((error as Error).message).toContain(f);
}

describe('loraConfig', () => {
  it("takes Hugging Face PEFT's defaults", () => {
    const c = loraConfig();
    expect(c).toMatchObject({ peftType: 'LORA', r: 8, loraAlpha: 8, loraDropout: 0, bias: 'none', useRslora: false, useDora: false, initLoraWeights: true, loraBias: false, fanInFanOut: false });
    expect(c.targetModules).toBeNull();
    expect(c.rankPattern.size).toBe(0);
  });

  it('writes every key 0.15.2 wrote plus the keys 0.21 adds, and no peft_version', () => {
    const keys = [...LORA_SCHEMA.toJson(loraConfig()).keys()].sort();
    const old = Object.keys(JSON.parse(read('gpt2_lora.json')) as object);
    expect(keys).toEqual([...old, ...ADDED_IN_0_21].sort());
    expect(keys).not.toContain('peft_version');
  });

  it("writes 0.21's defaults for the new keys", () => {
    const json = LORA_SCHEMA.toJson(loraConfig());
    expect(Object.fromEntries(ADDED_IN_0_21.map((k) => [k, json.get(k)]))).toEqual({
      alora_invocation_tokens: null,
      arrow_config: null,
      ensure_weight_tying: false,
      kasa_config: null,
      lora_ga_config: null,
      monteclora_config: null,
      qalora_group_size: 16,
      target_parameters: null,
      use_bdlora: null,
      use_qalora: false,
      velora_config: null,
    });
  });

  it.each(fixtures)('reads %s and writes its keys back as Python wrote them', (file) => {
    const text = read(file);
    const warnings: string[] = [];
    const config = LORA_SCHEMA.parse(parseStrictJson(text, file), { warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    const written = LORA_SCHEMA.toJson(config);
    const original = parseStrictJson(text, file) as Map<string, JsonValue>;
    const sameKeys = new Map([...written].filter(([k]) => original.has(k)));
    expect(formatPythonJson(sameKeys)).toBe(text.trimEnd());
  });

  it('keeps rank_pattern keys in file order (the first matching key wins)', () => {
    const c = LORA_SCHEMA.parse(parseStrictJson(read('llama_lora_rank_alpha_pattern.json'), 'cfg'));
    expect([...c.rankPattern.keys()]).toEqual(['k_proj', 'layers\\.1\\.self_attn\\.k_proj', 'layers\\.1\\.self_attn\\.q_proj', 'q_proj']);
    expect(c.alphaPattern.get('o_proj')).toBe(2);
  });

  it('warns about unknown keys and reads the rest', () => {
    const warnings: string[] = [];
    const c = LORA_SCHEMA.parse({ peft_type: 'LORA', r: 4, future_option: 1 }, { warn: (m) => warnings.push(m) });
    expect(c.r).toBe(4);
    expect(warnings.join()).toContain('"future_option"');
  });

  it('rejects bad values with a ConfigError naming the key', () => {
    expectConfigError(() => loraConfig({ r: 0 }), 'r must be an integer ≥ 1');
    expectConfigError(() => loraConfig({ loraDropout: 1.5 }), 'lora_dropout');
    expectConfigError(() => LORA_SCHEMA.parse({ bias: 'some' }), 'bias must be one of');
    expectConfigError(() => LORA_SCHEMA.parse({ init_lora_weights: 'kaiming' }), 'init_lora_weights must be');
    expectConfigError(() => LORA_SCHEMA.parse({ init_lora_weights: 'pissa_niter_x' }), 'pissa_niter_<k>');
    expectConfigError(() => LORA_SCHEMA.parse({ rank_pattern: { q_proj: 1.5 } }), 'rank_pattern["q_proj"]');
  });

  it('accepts every init_lora_weights value it implements', () => {
    for (const v of [true, false, 'gaussian', 'pissa', 'pissa_niter_4', 'olora'] as const) expect(loraConfig({ initLoraWeights: v }).initLoraWeights).toBe(v);
  });

  it('says which Hugging Face options are not supported', () => {
    for (const v of ['loftq', 'eva', 'corda']) expectConfigError(() => LORA_SCHEMA.parse({ init_lora_weights: v }), `init_lora_weights="${v}" is not supported`);
    expectConfigError(() => LORA_SCHEMA.parse({ use_qalora: true }), 'use_qalora=true is not supported');
    expectConfigError(() => LORA_SCHEMA.parse({ layer_replication: [[0, 2]] }), 'layer_replication');
    expectConfigError(() => LORA_SCHEMA.parse({ alora_invocation_tokens: [1, 2] }), 'alora_invocation_tokens');
    expect(LORA_SCHEMA.parse({ target_parameters: [] }).targetParameters).toEqual([]);
  });

  it('checks options that depend on each other as Hugging Face does', () => {
    expectConfigError(() => loraConfig({ targetModules: '.*q_proj', layersToTransform: [0] }), 'layers_to_transform cannot be used');
    expectConfigError(() => loraConfig({ targetModules: '.*q_proj', layersPattern: 'layers' }), 'layers_pattern cannot be used');
    expectConfigError(() => loraConfig({ targetModules: ['q_proj'], layersPattern: 'layers' }), 'layers_pattern needs layers_to_transform');
    expectConfigError(() => loraConfig({ loraBias: true, useDora: true }), 'lora_bias=true is not supported with use_dora');
    expectConfigError(() => loraConfig({ loraBias: true, initLoraWeights: 'pissa' }), 'lora_bias=true needs init_lora_weights true or false');
    expect(loraConfig({ targetModules: ['q_proj'], layersToTransform: [0], layersPattern: 'layers' }).layersPattern).toBe('layers');
  });

  it('stores any loftq_config as {} (it only matters for LoftQ)', () => {
    const c = LORA_SCHEMA.parse({ loftq_config: { loftq_bits: 4 } });
    expect(LORA_SCHEMA.toJson(c).get('loftq_config')).toEqual(new Map());
  });
});
