import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

const CASES: [string, 'gpt2' | 'llama' | 'bert'][] = [
  ['gpt2_lora', 'gpt2'],
  ['llama_lora', 'llama'],
  ['bert_lora', 'bert'],
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
