import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../errors.js';
import { createCpuBackend } from '../backends/cpu/cpu-backend.js';
import { tensor } from '../ops/creation.js';
import { readAdapterFiles } from '../peft/files/adapter-files.js';
import { fileSource } from './file-source.js';
import { serializeTensors } from './safetensors-tensors.js';

const backend = createCpuBackend();

describe('fileSource', () => {
  it('reads an adapter from picked File objects by their names', async () => {
    const weights = await serializeTensors(new Map([['base_model.model.fc.lora_B.weight', tensor([[0.5], [-1]], { backend })]]), { metadata: { format: 'pt' } });
    const files = [new File(['{"peft_type": "LORA"}'], 'adapter_config.json'), new File([new Uint8Array(weights)], 'adapter_model.safetensors')];
    const adapter = await readAdapterFiles(fileSource(files, 'picked'), { backend });
    expect(adapter.label).toBe('picked');
    expect(Array.from(await adapter.tensors.get('base_model.model.fc.lora_B.weight')!.data())).toEqual([0.5, -1]);
  });

  it('names what is missing and refuses two files of one name', async () => {
    const source = fileSource([new File(['{}'], 'config.json')]);
    expect(await source.has('model.safetensors')).toBe(false);
    expect(await source.readText('config.json')).toBe('{}');
    await expect(source.withBytes('model.safetensors', () => Promise.resolve(0))).rejects.toThrow('fileSource: no file "model.safetensors" among config.json');
    expect(() => fileSource([new File(['a'], 'config.json'), new File(['b'], 'config.json')])).toThrow(FileFormatError);
  });
});
