import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors } from '@peft/core';
import { nodeGPU } from '@peft/core/node';
import { testWebGPU } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { adapterCase, adapterCaseDir, fixtureModel, run, scratchDir } from '../test-support/harness.js';

const gpu = await testWebGPU();
// The CLI releases Dawn's GPU object after each command; keep the one behind testWebGPU's device referenced.
const _dawn = gpu ? nodeGPU() : null;
const backends = gpu ? ['cpu', 'webgpu'] : ['cpu'];

interface TrainRecord {
  train: { steps: number; losses: number[]; train_input_ids: number[][]; train_attention_mask: number[][]; train_labels: number[][] | number[] };
}

/** The case's recorded training batch as a pre-tokenized JSONL file. */
function batchFile(name: string): { path: string; rows: number } {
  const t = (adapterCase(name) as unknown as TrainRecord).train;
  const lines = t.train_input_ids.map((ids, i) => JSON.stringify({ input_ids: ids, attention_mask: t.train_attention_mask[i], labels: t.train_labels[i] }));
  const path = join(scratchDir(), 'batch.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return { path, rows: lines.length };
}

function readMetrics(dir: string): Record<string, number>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);
}

const CASES: [string, 'gpt2' | 'llama' | 'bert' | 't5'][] = [
  ['gpt2_lora', 'gpt2'],
  ['llama_lora', 'llama'],
  ['bert_lora', 'bert'],
  ['gpt2_adalora', 'gpt2'],
  ['llama_adalora', 'llama'],
  ['llama_loha', 'llama'],
  ['bert_loha', 'bert'],
  ['llama_lokr', 'llama'],
  ['gpt2_ia3', 'gpt2'],
  ['llama_ia3', 'llama'],
  ['bert_ia3', 'bert'],
  ['gpt2_prompt_random', 'gpt2'],
  ['llama_prompt_random', 'llama'],
  ['gpt2_prefix', 'gpt2'],
  ['llama_prefix', 'llama'],
  // the encoder-decoder: tokenized records with labels are encoder inputs and targets
  ['t5_lora', 't5'],
  ['t5_ia3', 't5'],
  ['t5_prompt_random', 't5'],
  ['t5_prefix', 't5'],
];

describe.each(backends)('peft train on %s', (backend) => {
  it.each(CASES)('continues the %s fixture adapter for five AdamW steps and logs the recorded losses', async (name, model) => {
    const { path, rows } = batchFile(name);
    const out = scratchDir();
    const config = {
      model: fixtureModel(model),
      adapter: adapterCaseDir(name),
      data: { train: path, format: 'tokenized' },
      output_dir: out,
      learning_rate: 1e-2,
      weight_decay: 0,
      max_grad_norm: 0,
      lr_scheduler_type: 'constant',
      shuffle: false,
      max_steps: 5,
      per_device_train_batch_size: rows,
      logging_steps: 1,
    };
    const cfgPath = join(scratchDir(), 'train.json');
    writeFileSync(cfgPath, JSON.stringify(config));
    const res = await run('train', '--config', cfgPath, '--backend', backend, '--quiet');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const want = (adapterCase(name) as unknown as TrainRecord).train.losses;
    const lines = readMetrics(out).filter((l) => l.loss !== undefined);
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5]);
    expect(lines.every((l) => l.learning_rate === 1e-2)).toBe(true);
    expect(Math.abs(lines[0].loss - want[0])).toBeLessThan(1e-5);
    lines.forEach((l, i) => expect(Math.abs(l.loss - want[i]), `step ${i + 1}`).toBeLessThan(1e-4));
    expect(existsSync(join(out, 'adapter_model.safetensors')) && existsSync(join(out, 'loss_curve.svg'))).toBe(true);
    expect(res.stdout).toMatch(/trained 5 step\(s\)/);
  });
});

describe('peft train with bad input', () => {
  const trainWith = async (lines: string, extra: Record<string, unknown> = {}) => {
    const data = join(scratchDir(), 'train.jsonl');
    writeFileSync(data, lines);
    return run('train', '--model', fixtureModel('gpt2'), '--method', '{"peft_type": "LORA", "r": 2}', '--train', data, '--output_dir', scratchDir(), '--max_steps', '1', '--backend', 'cpu', '--quiet', ...Object.entries(extra).flatMap(([k, v]) => [`--${k}`, String(v)]));
  };

  it('names the line of invalid JSON', async () => {
    const res = await trainWith('{"input_ids": [1, 2, 3]}\n{"input_ids": [1, 2\n');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/train\.jsonl line 2: invalid JSON/);
  });

  it('says an empty dataset is empty', async () => {
    const res = await trainWith('\n\n');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/train\.jsonl.*(empty|no (records|examples))/i);
  });

  it('names a missing field and a wrong type', async () => {
    expect((await trainWith('{"input_ids": [1, 2, 3]}\n{"attention_mask": [1]}\n')).stderr).toMatch(/line 2.*input_ids/);
    expect((await trainWith('{"input_ids": [1, 2, 3]}\n{"input_ids": "abc"}\n')).stderr).toMatch(/line 2.*input_ids/);
  });

  it('refuses an unknown flag and a bad value with the key named', async () => {
    const bad = await run('train', '--learning_rat', '1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option --learning_rat/);
    const res = await trainWith('{"input_ids": [1, 2, 3]}\n', { learning_rate: -1 });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/"learning_rate": expected a number >= 0, got -1/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports a config file that is not JSON', async () => {
    const cfg = join(scratchDir(), 'train.json');
    writeFileSync(cfg, '{ "model": ');
    const res = await run('train', '--config', cfg);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/train\.json: invalid JSON/);
  });
});

describe('peft train with AdaLoRA', () => {
  it('allocates ranks on its own: the saved adapter carries the final rank_pattern and tensors sliced to it', async () => {
    const data = join(scratchDir(), 'train.jsonl');
    writeFileSync(data, `${Array.from({ length: 8 }, (_, i) => JSON.stringify({ input_ids: Array.from({ length: 8 }, (_, k) => 2 + ((i * 5 + k * 3) % 90)) })).join('\n')}\n`);
    const out = scratchDir();
    const method = { peft_type: 'ADALORA', init_r: 4, target_r: 1, tinit: 2, tfinal: 2, deltaT: 1, total_step: 10, lora_alpha: 8, target_modules: ['c_attn'], fan_in_fan_out: true };
    const res = await run('train', '--model', fixtureModel('gpt2'), '--method', JSON.stringify(method), '--train', data, '--output_dir', out, '--max_steps', '10', '--learning_rate', '0.02', '--per_device_train_batch_size', '4', '--backend', 'cpu', '--quiet');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const saved = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as { rank_pattern: Record<string, boolean[]> | null };
    expect(saved.rank_pattern).not.toBeNull();
    const kept = Object.values(saved.rank_pattern!).map((mask) => mask.filter(Boolean).length);
    expect(kept.length).toBe(2); // c_attn of both layers
    expect(kept.reduce((a, b) => a + b, 0)).toBe(2); // target_r 1 per module, budget shared globally
    const tensors = parseSafetensors(readFileSync(join(out, 'adapter_model.safetensors'))).tensors;
    const eShapes = [...tensors].filter(([k]) => k.endsWith('lora_E')).map(([, t]) => t.shape[0]);
    expect(eShapes.sort()).toEqual([...kept].sort());
  });
});
