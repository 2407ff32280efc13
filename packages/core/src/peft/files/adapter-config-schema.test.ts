import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../../errors.js';
import { memorySource } from '../../io/checkpoint-source.js';
import { serializeSafetensors } from '../../io/safetensors-writer.js';
import { readAdapterFiles } from './adapter-files.js';

const weights = serializeSafetensors(new Map([['w', { dtype: 'F32' as const, shape: [16, 16], data: new Float32Array(256) }]]));
const read = (config: Record<string, unknown>) => readAdapterFiles(memorySource({ 'adapter_config.json': JSON.stringify(config), 'adapter_model.safetensors': weights }, 'a'));

describe('the common fields of adapter_config.json', () => {
  it('are read from a file PEFT writes', async () => {
    await expect(read({ peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: 'gpt2', revision: null, inference_mode: true, peft_version: '0.17.0', lora_alpha: 16 })).resolves.toMatchObject({ peftType: 'LORA' });
  });

  it('without peft_type is a FileFormatError naming the field and what it is', async () => {
    await expect(read({ r: 8 })).rejects.toThrow(FileFormatError);
    await expect(read({ r: 8 })).rejects.toThrow(/^a\/adapter_config\.json: missing field "peft_type" \(expected string\); peft_type names the method, such as "LORA"/);
  });

  it('with a mistyped common field names it', async () => {
    await expect(read({ peft_type: 'LORA', inference_mode: 'yes' })).rejects.toThrow(/^a\/adapter_config\.json: field "inference_mode" should be boolean, got "yes"/);
    await expect(read({ peft_type: 7 })).rejects.toThrow(/^a\/adapter_config\.json: field "peft_type" should be string, got 7/);
  });

  it('leaves the method\'s own and unknown fields to the method\'s field table (which warns about unknown keys, as PEFT does)', async () => {
    const read1 = await read({ peft_type: 'LORA', lora_alpha: 16, some_future_option: true });
    expect(read1.config.get('some_future_option')).toBe(true);
  });
});
