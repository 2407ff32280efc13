import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, createCpuBackend } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { createModel } from './auto-model.js';
import { modelDir } from './test-support/fixtures.js';

const backend = createCpuBackend();
const config = (name: 'gpt2' | 'llama' | 'bert') => JSON.parse(readFileSync(join(modelDir(name), 'config.json'), 'utf8')) as Record<string, unknown>;
const build = (c: Record<string, unknown>) => createModel(c, { backend, skipInit: true });

// one size field, one float field and one flag each architecture reads
describe.each<['gpt2' | 'llama' | 'bert', string, string, string]>([
  ['gpt2', 'n_embd', 'layer_norm_epsilon', 'scale_attn_weights'],
  ['llama', 'hidden_size', 'rms_norm_eps', 'attention_bias'],
  ['bert', 'hidden_size', 'layer_norm_eps', 'is_decoder'],
])('the config.json schema of %s', (name, size, eps, flag) => {
  it('accepts the fixture config', () => {
    expect(() => build(config(name))).not.toThrow();
  });

  it('gives a ConfigError naming a mistyped field', () => {
    expect(() => build({ ...config(name), [size]: '64' })).toThrow(new ConfigError(`config: field "${size}" should be number, got "64"`));
    expect(() => build({ ...config(name), [flag]: 'yes' })).toThrow(new ConfigError(`config: field "${flag}" should be boolean, got "yes"`));
  });

  it('gives a ConfigError naming a field out of range, with the check', () => {
    expect(() => build({ ...config(name), [size]: 0 })).toThrow(new RegExp(`^config: field "${size}" is invalid: .*>=1.*0`));
    expect(() => build({ ...config(name), [eps]: Number.POSITIVE_INFINITY })).toThrow(new RegExp(`^config: field "${eps}" is invalid: .*finite`));
  });

  it('ignores a field it does not read, as transformers does (configs carry many)', () => {
    expect(() => build({ ...config(name), unknown_field: [1, 2] })).not.toThrow();
  });

  it('takes the default for a missing field, as transformers does, and refuses an explicit value of the wrong type there', () => {
    const c = config(name);
    delete c[eps];
    expect(() => build(c)).not.toThrow();
    expect(() => build({ ...c, [eps]: [] })).toThrow(ConfigError);
  });
});

describe('the shared config.json fields', () => {
  it('name the path of a bad entry inside a list', () => {
    expect(() => build({ ...config('llama'), eos_token_id: [2, -1] })).toThrow(/^config: field "eos_token_id.1" is invalid: .*>=0.*-1/);
    expect(() => build({ ...config('llama'), rope_scaling: { rope_type: 'linear', factor: 'two' } })).toThrow(new ConfigError('config: field "rope_scaling.factor" should be number, got "two"'));
  });
});
