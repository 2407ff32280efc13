import { describe, expect, it } from 'vitest';
import { cliRegistry } from '../methods.js';
import { PYTHON_PEFT_CLASSES, pythonPeftConfig } from './peft-config-python.js';

/** One config per method, with options away from their defaults. */
const METHODS: Record<string, Record<string, unknown>> = {
  LORA: { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 4, lora_alpha: 16, lora_dropout: 0.05, target_modules: ['c_attn'], use_rslora: true },
  LOHA: { peft_type: 'LOHA', r: 4, alpha: 8, rank_dropout: 0.1, target_modules: ['c_attn'] },
  LOKR: { peft_type: 'LOKR', r: 4, alpha: 8, decompose_both: true, target_modules: ['c_attn'] },
  IA3: { peft_type: 'IA3', target_modules: ['c_attn', 'mlp.c_proj'], feedforward_modules: ['mlp.c_proj'] },
  ADALORA: { peft_type: 'ADALORA', init_r: 12, target_r: 4, total_step: 100, tinit: 10, tfinal: 20, target_modules: ['c_attn'] },
  PROMPT_TUNING: { peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 8 },
  PREFIX_TUNING: { peft_type: 'PREFIX_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 6 },
  P_TUNING: { peft_type: 'P_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 5, encoder_hidden_size: 32 },
};

describe('pythonPeftConfig', () => {
  for (const [peftType, method] of Object.entries(METHODS)) {
    it(`maps ${peftType} to ${PYTHON_PEFT_CLASSES[peftType]} field by field, as its adapter_config.json`, () => {
      const { className, kwargs } = pythonPeftConfig(method, 'train.json');
      expect(className).toBe(PYTHON_PEFT_CLASSES[peftType]);
      const schema = cliRegistry().get(peftType).schema;
      const saved = schema.toJson(schema.parse(method));
      // every field of the saved config, under the same name and value, except the class and inference_mode
      expect([...kwargs.keys()].sort()).toEqual([...saved.keys()].filter((k) => k !== 'peft_type').sort());
      for (const [key, value] of saved) {
        if (key === 'peft_type') continue;
        expect(kwargs.get(key), key).toEqual(key === 'inference_mode' ? false : value);
      }
      // the options given reach Python with their values
      for (const [key, value] of Object.entries(method)) {
        if (key === 'peft_type') continue;
        const got = kwargs.get(key);
        expect(typeof got === 'object' && got !== null && 'value' in got ? got.value : got, key).toEqual(value);
      }
    });
  }

  it('refuses a method Python PEFT has no class for, naming those that export', () => {
    expect(() => pythonPeftConfig({ peft_type: 'BOTTLENECK' }, 'train.json')).toThrow(/train\.json: method "BOTTLENECK" has no Python PEFT class.*LORA, LOHA/);
    expect(() => pythonPeftConfig({ peft_type: 'BITFIT' }, 'train.json')).toThrow(/BITFIT/);
  });

  it('reports keys the method does not know instead of dropping them silently', () => {
    const notes: string[] = [];
    pythonPeftConfig({ peft_type: 'LORA', r: 4, lora_alpah: 8 }, 'train.json', (m) => notes.push(m));
    expect(notes.join('\n')).toMatch(/lora_alpah/);
  });
});
