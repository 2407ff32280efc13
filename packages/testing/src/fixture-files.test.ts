import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '@peft/core';
import { readF64 } from '@peft/core/testing';
import { flat, hasCaseFile, intTensor, meaningful, readFixtureCase } from './fixture-files.js';

describe('fixture files', () => {
  it('keeps only the positions whose attention mask is 1', () => {
    const values = Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
    expect(meaningful(values, [[1, 0], [0, 1]], 3)).toEqual([0, 1, 2, 9, 10, 11]);
  });

  it('turns nested id lists into i32 tensors of the same shape', async () => {
    const backend = createCpuBackend();
    const t = intTensor([[1, 2, 3], [4, 5, 6]], backend);
    expect([t.dtype, t.shape]).toEqual(['i32', [2, 3]]);
    expect(Array.from(await readF64(intTensor([7, 8], backend)))).toEqual([7, 8]);
    expect(flat([[1, [2]], [3]])).toEqual([1, 2, 3]);
  });

  it('reads the golden cases kept in the repository', () => {
    const c = readFixtureCase('gpt2_lora');
    expect(c.model).toBe('gpt2');
    expect(c.print_trainable_parameters).toBe('trainable params: 1,024 || all params: 31,744 || trainable%: 3.2258');
    expect(hasCaseFile('llama_lora_grads', 'grads_step0.safetensors')).toBe(true);
    expect(hasCaseFile('gpt2_lora', 'grads_step0.safetensors')).toBe(false);
  });
});

describe('tiny models', () => {
  it('are the same for the same seed and differ for another', async () => {
    const { createTinyModel } = await import('./tiny-models.js');
    const backend = createCpuBackend();
    const weights = async (seed: number) => readF64(createTinyModel('llama', backend, seed).getParameter('model.layers.0.self_attn.q_proj.weight'));
    expect(Array.from(await weights(3))).toEqual(Array.from(await weights(3)));
    expect(Array.from(await weights(3))).not.toEqual(Array.from(await weights(4)));
  });
});
