import { createCpuBackend } from '@peft/core';
import { createShapeBackend } from '@peft/core/backend';
import { createModel } from '@peft/models';
import { describe, expect, it } from 'vitest';
import { forecastQuantization, quantizedWeightBytes } from './quantization-forecast.js';
import { quantizeModel } from './quantize-model.js';

const config = { model_type: 'llama', hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 100 };

describe('the quantisation forecast', () => {
  it('counts a 4096² NF4 weight as codes plus scales', () => {
    const n = 4096 * 4096;
    expect(quantizedWeightBytes(n)).toBe(n / 2 + (n / 64) * 4);
    expect(quantizedWeightBytes(n, { doubleQuant: true })).toBe(n / 2 + n / 64 + (n / 64 / 256) * 4);
  });

  it.each([false, true])('matches what quantizeModel reports (double quantisation %s), from shapes alone', async (doubleQuant) => {
    const forecast = forecastQuantization(createModel(config, { backend: createShapeBackend(), skipInit: true }), { doubleQuant });
    const real = await quantizeModel(createModel(config, { backend: createCpuBackend() }), { doubleQuant });
    expect(forecast).toEqual(real);
    expect(forecast.modules).toHaveLength(2 * 7);
  });

  it('counts bf16 layers at two bytes a value before, as a bf16 checkpoint loads them', async () => {
    const wide = forecastQuantization(createModel(config, { backend: createShapeBackend(), skipInit: true }));
    const half = forecastQuantization(createModel(config, { backend: createShapeBackend(), skipInit: true, dtype: 'bf16' }));
    const real = await quantizeModel(createModel(config, { backend: createCpuBackend(), dtype: 'bf16' }));
    expect(half.floatBytes).toBe(wide.floatBytes / 2);
    expect(real.floatBytes).toBe(half.floatBytes);
    expect(half.quantizedBytes).toBe(wide.quantizedBytes);
  });

  it('leaves out the skipped modules', () => {
    const model = createModel(config, { backend: createShapeBackend(), skipInit: true });
    const all = forecastQuantization(model, { skipModules: [] });
    const some = forecastQuantization(model, { skipModules: ['lm_head', 'down_proj'] });
    expect(all.modules).toContain('lm_head');
    expect(some.modules.some((m) => m.endsWith('down_proj'))).toBe(false);
    expect(some.modules).toHaveLength(2 * 6);
  });
});

describe('quantising a model frees its float weights', () => {
  it('the backend holds the 4-bit weights instead of the float ones, as the forecast counts', async () => {
    const backend = createCpuBackend();
    const model = createModel(config, { backend });
    const before = backend.memory().liveBytes;
    const report = await quantizeModel(model, { doubleQuant: true });
    expect(backend.memory().liveBytes).toBe(before - report.floatBytes + report.quantizedBytes);
  });
});
