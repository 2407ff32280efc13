import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { charTokenizerJson, fixtureModel, run, scratchDir } from '../test-support/harness.js';

/** Words of letters a–h are "low", i–p "mid", q–x "high" (the fixture BERT has three labels). */
function classificationCsv(dir: string): string {
  let seed = 11;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const rows = ['text,label'];
  for (let i = 0; i < 120; i++) {
    const cls = i % 3;
    const word = Array.from({ length: 6 + rand(5) }, () => String.fromCharCode(97 + 8 * cls + rand(8))).join('');
    rows.push(`${word},${['low', 'mid', 'high'][cls]}`);
  }
  const path = join(dir, 'words.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

describe('peft train on a classification dataset', () => {
  it('trains a LoRA classifier on BERT from a CSV file and logs the held-out accuracy', async () => {
    const model = scratchDir();
    for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(fixtureModel('bert'), f), join(model, f));
    writeFileSync(join(model, 'tokenizer.json'), JSON.stringify(charTokenizerJson()));
    const out = scratchDir();
    const cfg = {
      model,
      method: { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['query', 'value'] },
      data: { train: classificationCsv(scratchDir()), format: 'classification', labels: ['low', 'mid', 'high'], eval_split: 24 },
      output_dir: out,
      learning_rate: 0.02,
      per_device_train_batch_size: 16,
      max_steps: 40,
      lr_scheduler_type: 'constant',
      logging_steps: 10,
      eval_steps: 20,
    };
    const path = join(scratchDir(), 'train.json');
    writeFileSync(path, JSON.stringify(cfg));
    const res = await run('train', '--config', path, '--backend', 'cpu', '--quiet');
    expect(res.stderr, res.stderr).toMatch(/24 of 120 examples held out/);
    expect(res.code).toBe(0);
    const evals = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>)
      .filter((l) => l.eval_loss !== undefined);
    expect(evals.map((e) => e.step)).toEqual([20, 40]);
    expect(evals.at(-1)!.eval_accuracy).toBeGreaterThanOrEqual(0.9);
    expect(res.stdout).toMatch(/accuracy \d+\.\d%/);
    // the classifier head trains with the adapter (task_type SEQ_CLS) and is saved beside it
    const saved = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as { task_type: string; modules_to_save: string[] };
    expect(saved.task_type).toBe('SEQ_CLS');
    expect(saved.modules_to_save).toContain('classifier');
  });
});
