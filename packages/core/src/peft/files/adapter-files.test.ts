import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../../errors.js';
import { memorySource } from '../../io/checkpoint-source.js';
import { serializeSafetensors } from '../../io/safetensors-writer.js';
import { checkAdapterBase, readAdapterFiles } from './adapter-files.js';

const weights = (tensors: Record<string, number[]>): Uint8Array =>
  serializeSafetensors(Object.fromEntries(Object.entries(tensors).map(([k, shape]) => [k, { dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }])));

const lora = weights({ 'base_model.model.h.0.attn.c_attn.lora_A.weight': [4, 32], 'base_model.model.h.0.attn.c_attn.lora_B.weight': [96, 4] });
const prompt = weights({ prompt_embeddings: [5, 32] });

const read = (config: Record<string, unknown>, bytes: Uint8Array) =>
  readAdapterFiles(memorySource({ 'adapter_config.json': JSON.stringify(config), 'adapter_model.safetensors': bytes }, 'fuzzed'));

describe('readAdapterFiles size checks', () => {
  it('reads an adapter whose sizes fit its weights', async () => {
    const a = await read({ peft_type: 'LORA', r: 4, rank_pattern: { c_attn: 2 } }, lora);
    expect([...a.tensors.keys()]).toHaveLength(2);
    const p = await read({ peft_type: 'P_TUNING', num_virtual_tokens: 5, token_dim: 32, encoder_hidden_size: 128, num_layers: 2 }, prompt);
    expect(p.tensors.get('prompt_embeddings')!.shape).toEqual([5, 32]);
  });

  it('refuses a rank larger than every dimension in the weights, before the adapter is built', async () => {
    await expect(read({ peft_type: 'LORA', r: 2 ** 31 }, lora)).rejects.toThrow(new FileFormatError('fuzzed/adapter_config.json: "r" is 2147483648, but adapter_model.safetensors has no dimension above 96; the config and the weights do not belong together'));
    await expect(read({ peft_type: 'LORA', r: 4, rank_pattern: { c_attn: 4096 } }, lora)).rejects.toThrow(/rank_pattern\["c_attn"\] is 4096/);
  });

  it('refuses a prompt table larger than the weights hold', async () => {
    await expect(read({ peft_type: 'P_TUNING', num_virtual_tokens: 2147483648, token_dim: 32 }, prompt)).rejects.toThrow(
      /num_virtual_tokens × token_dim × num_transformer_submodules is 68719476736, but adapter_model.safetensors holds 160 values/,
    );
    await expect(read({ peft_type: 'P_TUNING', num_virtual_tokens: 5, token_dim: 32, encoder_hidden_size: 2 ** 30 }, prompt)).rejects.toThrow(/encoder_hidden_size × token_dim/);
  });
});

describe('checkAdapterBase', () => {
  const model = (config: Record<string, unknown>, task: 'causal-lm' | 'sequence-classification' | 'base' = 'causal-lm') =>
    ({ config, info: { task, modelType: 'gpt2' } }) as unknown as Parameters<typeof checkAdapterBase>[1];
  const warnings = (config: Parameters<typeof checkAdapterBase>[0], m: Parameters<typeof checkAdapterBase>[1]) => {
    const out: string[] = [];
    checkAdapterBase(config, m, 'a/adapter_config.json', (w) => out.push(w));
    return out;
  };

  it('is quiet when the base model is the one the adapter names (a Hub id and a local copy agree)', () => {
    expect(warnings({ baseModelNameOrPath: 'openai-community/gpt2', taskType: 'CAUSAL_LM' }, model({ _name_or_path: '/models/gpt2/' }))).toEqual([]);
    expect(warnings({ baseModelNameOrPath: 'gpt2', taskType: null }, model({}))).toEqual([]);
  });

  it('warns when the adapter names another base model', () => {
    expect(warnings({ baseModelNameOrPath: 'meta-llama/Llama-2-7b-hf', taskType: 'CAUSAL_LM' }, model({ _name_or_path: 'openai-community/gpt2' }))).toEqual([
      'a/adapter_config.json: the adapter was trained on base model "meta-llama/Llama-2-7b-hf", but it is being loaded onto "openai-community/gpt2"; if their weights differ its outputs are meaningless',
    ]);
  });

  it('warns when the adapter is for another head', () => {
    expect(warnings({ baseModelNameOrPath: null, taskType: 'SEQ_CLS' }, model({}, 'causal-lm'))).toEqual([
      'a/adapter_config.json: task_type SEQ_CLS is for a sequence-classification model, but the base model is a causal-lm model (gpt2)',
    ]);
  });
});
