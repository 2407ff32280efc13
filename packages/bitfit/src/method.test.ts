import { describe, expect, it } from 'vitest';
import { MethodRegistry, PluginError } from '@peft/core';
import { bitfit, bitfitDefaultTargets } from './index.js';

describe('the bitfit method', () => {
  it('knows the modules with biases of GPT-2 and BERT and none for LLaMA', () => {
    expect(bitfitDefaultTargets('gpt2')).toEqual(['c_attn', 'c_proj', 'c_fc', 'ln_1', 'ln_2', 'ln_f']);
    expect(bitfitDefaultTargets('bert')).toContain('LayerNorm');
    expect(bitfitDefaultTargets('llama')).toBeUndefined();
  });

  it('is named in the error of a registry that lacks it', () => {
    const registry = new MethodRegistry();
    expect(() => registry.get('BITFIT', 'loadAdapter')).toThrow(PluginError);
    expect(() => registry.get('BITFIT', 'loadAdapter')).toThrow(/@peft\/bitfit/);
    expect(registry.register(bitfit).get('BITFIT', 'loadAdapter')).toBe(bitfit);
  });
});
