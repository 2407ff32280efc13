import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureModel, run, scratchDir } from '../test-support/harness.js';

/** A model folder with GPT-2 small's config.json and a weight file that is not safetensors at all. */
function gpt2SmallWithoutWeights(): string {
  const dir = scratchDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 50257, n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024 }));
  writeFileSync(join(dir, 'model.safetensors'), 'not a safetensors file: reading it would fail');
  return dir;
}

function data(): string {
  const path = join(scratchDir(), 'train.jsonl');
  writeFileSync(path, `${Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [2 + i, 3, 4, 5, 6] })).join('\n')}\n`);
  return path;
}

interface EstimateJson {
  method: string;
  forecast: { parameters: number; trainableParameters: number; weightBytes: number; optimizerBytes: number; peakBytes: number; batchSize: number; maxLength: number; largestWeight: { name: string } };
  stored: Record<string, number>;
  budget?: { bytes: number; fits: boolean };
}

describe('peft inspect --estimate', () => {
  it('prints the forecast as a table of parts, with the budget verdict', async () => {
    const { code, stdout, stderr } = await run('inspect', fixtureModel('gpt2'), '--estimate', '--batch-size', '2', '--max-length', '16', '--memory-budget', '1KiB');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/\npart +bytes +what\n-+ +-+ +-+\n/);
    for (const part of ['weights', 'adapter', 'gradients', 'optimizer', 'activations', 'peak']) expect(stdout).toMatch(new RegExp(`\\n${part} +[\\d.]+ (B|KiB|MiB|GiB) `));
    expect(stdout).toMatch(/per micro-batch of 2 × 16 tokens/);
    expect(stdout).toMatch(/largest weight +[\d.]+ KiB: transformer\.h\.\d\.mlp\.c_(fc|proj)\.weight \[(32, 128|128, 32)\]/);
    expect(stdout).toMatch(/budget +1\.0 KiB from --memory-budget: does NOT fit/);
  });

  it('--json gives the numbers, exact for the parameters of the fixture', async () => {
    const { code, stdout } = await run('inspect', fixtureModel('gpt2'), '--estimate', '--method', '{"peft_type": "LORA", "r": 2, "target_modules": ["c_attn"]}', '--batch-size', '1', '--max-length', '8', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as EstimateJson;
    expect(r.method).toBe('LORA');
    // the fixture: vocab 100, n_embd 32, 2 layers, 64 positions, a tied head
    const d = 32;
    const layer = 4 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d);
    expect(r.forecast.parameters).toBe(100 * d + 64 * d + 2 * layer + 2 * d);
    expect(r.forecast.trainableParameters).toBe(2 * (2 * d + 3 * d * 2));
    expect(r.forecast.optimizerBytes).toBe(2 * 4 * r.forecast.trainableParameters);
    expect(r.stored).toEqual({ F32: r.forecast.parameters * 4 });
    expect(r.forecast).toMatchObject({ batchSize: 1, maxLength: 8 });
  });

  it('reads no weight: a folder whose weight file is garbage is forecast all the same', async () => {
    const { code, stdout } = await run('inspect', gpt2SmallWithoutWeights(), '--estimate', '--max-length', '128', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(stdout) as EstimateJson;
    expect(r.forecast.parameters).toBe(124439808);
    expect(r.forecast.largestWeight.name).toBe('transformer.wte.weight');
  });

  it('says which estimate options need --estimate', async () => {
    const { code, stderr } = await run('inspect', fixtureModel('gpt2'), '--batch-size', '2');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/--batch-size applies to --estimate/);
  });
});

describe('peft train checks the forecast before loading', () => {
  it('refuses a run past the budget before reading any weight, naming what does not fit and what would', async () => {
    const res = await run('train', '--model', gpt2SmallWithoutWeights(), '--method', 'LORA', '--train', data(), '--output_dir', scratchDir(), '--max_length', '256', '--per_device_train_batch_size', '8', '--memory-budget', '1.5GiB', '--backend', 'cpu');
    expect(res.code).not.toBe(0);
    // the weight file was never opened: the error is the forecast's, not the unreadable file's
    expect(res.stderr).not.toMatch(/safetensors/i);
    expect(res.stderr).toMatch(/memory forecast: a training step needs [\d.]+ GiB at its peak, more than the budget of 1\.50 GiB \(memory_budget\); the largest part is activations/);
    expect(res.stderr).toMatch(/What would fit: .*gradient_checkpointing: true/);
    expect(res.stderr).toMatch(/--no-estimate-check/);
    expect(res.stderr).toMatch(/\npeak +[\d.]+ GiB /); // the forecast was printed first
  });

  it("with --no-estimate-check goes on to load (and here meets the loader's check of the weight file)", async () => {
    const res = await run('train', '--model', gpt2SmallWithoutWeights(), '--method', 'LORA', '--train', data(), '--output_dir', scratchDir(), '--max_length', '256', '--memory-budget', '1.5GiB', '--no-estimate-check', '--backend', 'cpu');
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/going on as estimate_check is false/);
    expect(res.stderr).toMatch(/its weights hold 45 bytes .* config\.json and the weights do not belong together/);
  });

  it('trains as before when the forecast fits', async () => {
    const res = await run('train', '--model', fixtureModel('gpt2'), '--method', 'LORA', '--train', data(), '--output_dir', scratchDir(), '--max_steps', '1', '--per_device_train_batch_size', '2', '--backend', 'cpu');
    expect(res.stderr).toMatch(/memory forecast \(from config\.json alone; no weight was read\)/);
    expect(res.stderr).toMatch(/budget +[\d.]+ GiB from the host's free memory .*: fits/);
    expect(res.code).toBe(0);
  });
});
