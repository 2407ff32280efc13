import { describe, expect, it } from 'vitest';
import { ConfigError } from '@peft/core';
import { formatPythonJson } from '@peft/core/plugin';
import { BOTTLENECK_SCHEMA, bottleneckConfig, bottleneckWidth } from './index.js';

describe('bottleneck adapter config', () => {
  it('takes the documented defaults', () => {
    const c = bottleneckConfig();
    expect(c.peftType).toBe('BOTTLENECK');
    expect([c.config, c.reductionFactor, c.bottleneckSize, c.nonLinearity, c.scaling, c.lnBefore, c.lnAfter, c.initWeights]).toEqual(['pfeiffer', 16, null, 'relu', 1, false, false, true]);
    expect(c.targetModules).toBeNull();
  });

  it('writes sorted snake_case keys and reads them back to an equal config', () => {
    const c = bottleneckConfig({ config: 'parallel', bottleneckSize: 8, scaling: 4, nonLinearity: 'gelu_new', lnBefore: true, targetModules: ['mlp'] });
    const json = BOTTLENECK_SCHEMA.toJson(c);
    expect(json.get('peft_type')).toBe('BOTTLENECK');
    expect(json.get('bottleneck_size')).toBe(8);
    expect(json.get('non_linearity')).toBe('gelu_new');
    const text = formatPythonJson(json);
    expect(text).toContain('"scaling": 4.0');
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining(['config', 'reduction_factor', 'ln_before', 'ln_after', 'init_weights', 'target_modules', 'modules_to_save']));
    // saved files say inference_mode: true, as Python writes them
    expect(BOTTLENECK_SCHEMA.parse(JSON.parse(text))).toEqual({ ...c, inferenceMode: true });
  });

  it('rejects an unknown placement, activation or a bottleneck size below 1 with a ConfigError naming the key', () => {
    expect(() => BOTTLENECK_SCHEMA.parse({ peft_type: 'BOTTLENECK', config: 'serial' })).toThrow(/config/);
    expect(() => BOTTLENECK_SCHEMA.parse({ peft_type: 'BOTTLENECK', non_linearity: 'elu' })).toThrow(ConfigError);
    expect(() => BOTTLENECK_SCHEMA.parse({ peft_type: 'BOTTLENECK', bottleneck_size: 0 })).toThrow(/bottleneck_size/);
  });

  it('sizes the bottleneck from the reduction factor unless a size is given', () => {
    expect(bottleneckWidth(bottleneckConfig(), 768)).toBe(48);
    expect(bottleneckWidth(bottleneckConfig({ reductionFactor: 3 }), 32)).toBe(10);
    expect(bottleneckWidth(bottleneckConfig({ reductionFactor: 64 }), 16)).toBe(1);
    expect(bottleneckWidth(bottleneckConfig({ bottleneckSize: 5 }), 768)).toBe(5);
  });
});
