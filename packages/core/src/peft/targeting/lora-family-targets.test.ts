import { describe, expect, it } from 'vitest';
import { LORA_FAMILY_TARGETS, loraFamilyTargets } from './lora-family-targets.js';

describe('loraFamilyTargets', () => {
  it("gives Hugging Face PEFT's default targets by model type", () => {
    expect(loraFamilyTargets('gpt2')).toEqual(['c_attn']);
    expect(loraFamilyTargets('llama')).toEqual(['q_proj', 'v_proj']);
    expect(loraFamilyTargets('bert')).toEqual(['query', 'value']);
    expect(Object.isFrozen(LORA_FAMILY_TARGETS)).toBe(true);
  });

  it('knows nothing of other model types, inherited object keys included', () => {
    expect(loraFamilyTargets('mamba')).toBeUndefined();
    expect(loraFamilyTargets('toString')).toBeUndefined();
  });
});
