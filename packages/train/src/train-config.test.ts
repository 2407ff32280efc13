import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from './train-config.js';

const base = { model: 'gpt2', method: { peft_type: 'LORA', r: 8 }, data: { train: 'train.jsonl' }, output_dir: 'out' };
const parse = (raw: unknown) => parseTrainConfig(raw, { label: 'train.json', baseDir: '/work/run', resolvePath: join });

describe('parseTrainConfig', () => {
  it('reads Hugging Face TrainingArguments keys and resolves paths against the config folder', () => {
    const cfg = parse({ ...base, learning_rate: 1e-3, per_device_train_batch_size: 4, lr_scheduler_type: 'cosine', max_grad_norm: null, data: { train: 'd/train.jsonl', eval_split: 0.1 } });
    expect(cfg.model).toBe('/work/run/gpt2');
    expect(cfg.data.train).toBe('/work/run/d/train.jsonl');
    expect(cfg.outputDir).toBe('/work/run/out');
    expect(cfg.args).toMatchObject({ learningRate: 1e-3, perDeviceTrainBatchSize: 4, lrSchedulerType: 'cosine', maxGradNorm: null, seed: 42 });
    expect(cfg.data.evalSplit).toBe(0.1);
  });

  it('names each bad field, what it expects and what came', () => {
    expect(() => parse({ ...base, model: undefined })).toThrow('train.json: "model" is required');
    expect(() => parse({ ...base, output_dir: 3 })).toThrow('train.json: "output_dir" must be a non-empty string, got 3');
    expect(() => parse({ ...base, learning_rate: '1e-3' })).toThrow('train.json: "learning_rate": expected a number >= 0, got "1e-3"');
    expect(() => parse({ ...base, per_device_train_batch_size: 0 })).toThrow('"per_device_train_batch_size": expected an integer >= 1, got 0');
    expect(() => parse({ ...base, lr_scheduler_type: 'step' })).toThrow(/"lr_scheduler_type": expected one of constant, constant_with_warmup, linear, cosine, got "step"/);
    expect(() => parse({ ...base, data: { train: 'a.jsonl', format: 'parquet' } })).toThrow(/"data".format must be one of tokenized/);
    expect(() => parse({ ...base, data: { train: 'a.jsonl', packing: true } })).toThrow(/packing needs max_length/);
    expect(() => parse({ ...base, data: undefined })).toThrow(/"data" is required/);
    expect(() => parse({ ...base, method: { r: 8 } })).toThrow(/"method.peft_type" must be a string such as "LORA"/);
  });

  it('suggests the closest key for a misspelt one', () => {
    expect(() => parse({ ...base, learning_rat: 1e-3 })).toThrow(/unknown key "learning_rat" \(did you mean "learning_rate"\?\)/);
    expect(() => parse({ ...base, data: { train: 'a', evl: 'b' } })).toThrow(/unknown key "evl" \(did you mean "eval"\?\)/);
  });

  it('wants exactly one of method and adapter', () => {
    expect(() => parse({ ...base, adapter: 'ad' })).toThrow(/exactly one of "adapter" .* got both/);
    expect(() => parse({ ...base, method: undefined })).toThrow(/got neither/);
    expect(parse({ ...base, method: undefined, adapter: 'ad' }).adapter).toBe('/work/run/ad');
  });

  it('keeps "latest" as the resume target and resolves a folder', () => {
    expect(parse({ ...base, resume_from_checkpoint: 'latest' }).resumeFromCheckpoint).toBe('latest');
    expect(parse({ ...base, resume_from_checkpoint: 'out/checkpoint-4' }).resumeFromCheckpoint).toBe('/work/run/out/checkpoint-4');
  });
});

describe('the quantization section', () => {
  it("reads Hugging Face's BitsAndBytesConfig names", () => {
    const cfg = parse({ ...base, quantization: { load_in_4bit: true, bnb_4bit_quant_type: 'fp4', bnb_4bit_use_double_quant: true, llm_int8_skip_modules: ['lm_head', 'score'] } });
    expect(cfg.quantization).toEqual({ quantType: 'fp4', doubleQuant: true, skipModules: ['lm_head', 'score'] });
    expect(parse({ ...base, quantization: { load_in_4bit: true } }).quantization).toEqual({ quantType: 'nf4', doubleQuant: false, skipModules: undefined });
    expect(parse(base).quantization).toBeUndefined();
  });

  it('refuses what it cannot do, naming the field', () => {
    expect(() => parse({ ...base, quantization: { load_in_8bit: true } })).toThrow(/unknown key "load_in_8bit" \(did you mean "load_in_4bit"\?\)/);
    expect(() => parse({ ...base, quantization: { load_in_4bit: true, bnb_4bit_compute_dtype: 'bfloat16' } })).toThrow(/only "float32" compute/);
    expect(() => parse({ ...base, quantization: { load_in_4bit: true, bnb_4bit_quant_type: 'int4' } })).toThrow(/must be "nf4" or "fp4", got "int4"/);
  });
});

describe('the memory keys of a training config', () => {
  it('reads memory_budget as bytes or a size with a unit, and estimate_check (on by default)', () => {
    expect(parse(base)).toMatchObject({ memoryBudget: undefined, estimateCheck: true });
    expect(parse({ ...base, memory_budget: '6GiB', estimate_check: false })).toMatchObject({ memoryBudget: 6 * 2 ** 30, estimateCheck: false });
    expect(parse({ ...base, memory_budget: 1e9 }).memoryBudget).toBe(1e9);
  });

  it('refuses a budget that is not a size, and an estimate_check that is not a boolean', () => {
    expect(() => parse({ ...base, memory_budget: 'plenty' })).toThrow(/train.json: "memory_budget": expected a memory size/);
    expect(() => parse({ ...base, estimate_check: 'no' })).toThrow(/"estimate_check" must be true or false/);
  });
});
