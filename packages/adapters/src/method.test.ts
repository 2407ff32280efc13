import { describe, expect, it } from 'vitest';
import { MethodRegistry, PluginError } from '@peft/core';
import { bottleneck, bottleneckConfig, prepareBottleneckConfig } from './index.js';

describe('the bottleneck method', () => {
  it('fills in the placement defaults for a known model type and keeps given targets', () => {
    const info = { modelType: 'llama' } as Parameters<typeof prepareBottleneckConfig>[1];
    expect(prepareBottleneckConfig(bottleneckConfig({ config: 'houlsby' }), info).targetModules).toEqual(['o_proj', 'down_proj']);
    expect(prepareBottleneckConfig(bottleneckConfig({ targetModules: ['mlp'] }), info).targetModules).toEqual(['mlp']);
    expect(prepareBottleneckConfig(bottleneckConfig(), { ...info, modelType: 'falcon' }).targetModules).toBeNull();
  });

  it('is named in the error of a registry that lacks it', () => {
    const registry = new MethodRegistry();
    expect(() => registry.get('BOTTLENECK', 'loadAdapter')).toThrow(PluginError);
    expect(() => registry.get('BOTTLENECK', 'loadAdapter')).toThrow(/@peft\/adapters/);
    expect(registry.register(bottleneck).get('BOTTLENECK', 'loadAdapter')).toBe(bottleneck);
  });
});
