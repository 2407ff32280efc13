import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeGPU } from '@peft/core/node';
import { testWebGPU } from '@peft/core/testing';
import { describe, expect, it } from 'vitest';
import { run, scratchDir } from '../test-support/harness.js';

const gpu = await testWebGPU();
// The CLI releases Dawn's GPU object after each command; keep the one behind testWebGPU's device referenced.
const _dawn = gpu ? nodeGPU() : null;

describe('peft demo', () => {
  // A CI-sized run of the main job on the embedded model and task: 40 steps on 160 e-mails, judged
  // on 64 held-out ones. The full demo (200 steps, 800 e-mails) reaches about 89% (see assets/README.md).
  it('teaches the embedded model a task it cannot do: accuracy from 0% to at least 50%, completion loss below 0.6', async () => {
    const out = scratchDir();
    const res = await run('demo', '--max_steps', '40', '--train_examples', '160', '--eval_examples', '64', '--output_dir', out, '--quiet', '--backend', gpu ? 'webgpu' : 'cpu');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const before = /before: accuracy ([\d.]+)%.*eval loss ([\d.]+)/.exec(res.stdout);
    const after = /after 40 steps .*: accuracy ([\d.]+)%, eval loss ([\d.]+)/.exec(res.stdout);
    expect(before && after, res.stdout).toBeTruthy();
    expect(Number(before![1])).toBe(0);
    expect(Number(before![2])).toBeGreaterThan(3);
    expect(Number(after![1])).toBeGreaterThanOrEqual(50);
    expect(Number(after![2])).toBeLessThan(0.6);
    expect(res.stdout).toMatch(/samples \(held out\):\n.*\n {4}expected " (spam|ham)"; base model .*; with the adapter /);
    for (const f of ['adapter_config.json', 'adapter_model.safetensors', 'metrics.jsonl', 'loss_curve.svg']) expect(existsSync(join(out, f)), f).toBe(true);
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines.filter((l) => l.loss !== undefined).map((l) => l.step)).toEqual([1, 10, 20, 30, 40]);
    expect(lines.at(-1)!.eval_loss).toBeLessThan(0.6);
  }, 600_000);
});
