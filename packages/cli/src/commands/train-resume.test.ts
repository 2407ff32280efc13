import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, fixtureModel, run, scratchDir } from '../test-support/harness.js';

/** Pre-tokenized sequences that count upwards (ids 2…99 of the 100-token fixture vocabulary). */
function countingData(dir: string): string {
  const lines = Array.from({ length: 24 }, (_, i) => JSON.stringify({ input_ids: Array.from({ length: 10 }, (_, k) => 2 + ((i * 7 + k) % 96)) }));
  const path = join(dir, 'train.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function config(dir: string, out: string): string {
  const cfg = {
    model: fixtureModel('gpt2'),
    method: { peft_type: 'LORA', r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: ['c_attn', 'c_fc'], fan_in_fan_out: true },
    data: { train: countingData(dir), format: 'tokenized' },
    output_dir: out,
    learning_rate: 5e-3,
    per_device_train_batch_size: 4,
    gradient_accumulation_steps: 2,
    max_steps: 120,
    lr_scheduler_type: 'cosine',
    warmup_steps: 5,
    logging_steps: 1,
    save_steps: 5,
    save_total_limit: 2,
  };
  const path = join(dir, 'train.json');
  writeFileSync(path, JSON.stringify(cfg));
  return path;
}

const losses = (out: string): [number, number][] =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; loss?: number })
    .filter((l) => l.loss !== undefined)
    .map((l) => [l.step, l.loss!]);

describe('peft train killed mid-run', () => {
  it('resumes from its last checkpoint to exactly the losses of an uninterrupted run', async () => {
    const whole = scratchDir();
    const done = await run('train', '--config', config(scratchDir(), whole), '--backend', 'cpu', '--quiet');
    expect(done.code).toBe(0);

    const dir = scratchDir();
    const out = join(dir, 'out');
    const cfg = config(dir, out);
    const child = spawn(process.execPath, ['--conditions=@peft/source', '--import', 'tsx', join(ROOT, 'packages/cli/src/bin.ts'), 'train', '--config', cfg, '--backend', 'cpu', '--quiet'], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // kill it (SIGKILL: no clean-up) as soon as its second checkpoint exists
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(out, 'checkpoint-10')) || child.exitCode !== null) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    expect(await exited).toBe('SIGKILL');
    const left = readdirSync(out).filter((n) => n.startsWith('checkpoint-'));
    expect(left.length).toBeGreaterThan(0);

    const resumed = await run('train', '--config', cfg, '--resume', '--backend', 'cpu', '--quiet');
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(losses(out)).toEqual(losses(whole));
    // a checkpoint half-written when the process died is cleared away; complete ones remain
    expect(readdirSync(out).filter((n) => n.endsWith('.tmp') || n.endsWith('.old'))).toEqual([]);
    expect(readFileSync(join(out, 'adapter_model.safetensors'))).toEqual(readFileSync(join(whole, 'adapter_model.safetensors')));
  }, 120_000);
});
