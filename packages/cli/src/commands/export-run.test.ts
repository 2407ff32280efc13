import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, FileFormatError } from '@peft/core';
import { describe, expect, it } from 'vitest';
import { pythonSyntaxProblems } from '../test-support/python-syntax.js';
import { ROOT, run, scratchDir } from '../test-support/harness.js';
import { exportRunCommand } from './export-run.js';

const ASSETS = join(ROOT, 'packages', 'cli', 'assets');

/** A training config of the demo task (embedded model and data) in a scratch folder. */
function demoConfig(extra: Record<string, unknown> = {}): { path: string; dir: string } {
  const dir = scratchDir();
  const recipe = JSON.parse(readFileSync(join(ASSETS, 'demo-task', 'recipe.json'), 'utf8')) as Record<string, unknown>;
  const cfg = { ...recipe, model: join(ASSETS, 'base-model'), data: { ...(recipe.data as object), train: join(ASSETS, 'demo-task', 'train.jsonl') }, output_dir: join(dir, 'run'), max_steps: 100, ...extra };
  const path = join(dir, 'train.json');
  writeFileSync(path, JSON.stringify(cfg));
  return { path, dir };
}

/** A fake checkpoint folder holding a trainer_state.json (the adapter files are not read by the export). */
function checkpoint(dir: string, state: Record<string, unknown>): string {
  const folder = join(dir, 'run', `checkpoint-${String(state.global_step)}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'trainer_state.json'), JSON.stringify(state));
  writeFileSync(join(folder, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8 }));
  return folder;
}

const read = (dir: string, name: string): string => readFileSync(join(dir, name), 'utf8');

describe('peft export-run', () => {
  it('writes train.py, accelerate.yaml, requirements.txt and README.md for the demo run', async () => {
    const { path, dir } = demoConfig();
    const out = join(dir, 'python');
    const r = await run('export-run', '--config', path, '--out', out, '--num-gpus', '4');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote train.py, accelerate.yaml, requirements.txt, README.md to ${out}`);
    const script = read(out, 'train.py');
    expect(pythonSyntaxProblems(script)).toEqual([]);
    expect(script).toContain(`MODEL = ${JSON.stringify(join(ASSETS, 'base-model'))}`);
    expect(script).toContain(`TRAIN_FILE = ${JSON.stringify(join(ASSETS, 'demo-task', 'train.jsonl'))}`);
    // format inferred from the file? the recipe names it; lora_alpha and targets as in the recipe
    expect(script).toContain('FORMAT = "prompt_completion"');
    expect(script).toMatch(/PEFT_CONFIG = LoraConfig\(\n {4}task_type="CAUSAL_LM",[^]*\n {4}target_modules=\["c_attn", "c_proj", "lm_head"\],[^]*\n {4}lora_alpha=16,/);
    expect(script).toContain('learning_rate=0.003,');
    expect(script).toContain('lr_scheduler_type="cosine",');
    expect(script).toContain('RESUME_STEP = 0\nTOTAL_STEPS = 100');
    expect(read(out, 'accelerate.yaml')).toMatch(/distributed_type: MULTI_GPU\n[^]*num_processes: 4\n/);
    expect(read(out, 'requirements.txt')).toMatch(/^torch==[\d.]+\ntransformers==[\d.]+\npeft==[\d.]+\naccelerate==[\d.]+\n/m);
    expect(read(out, 'README.md')).toContain('accelerate launch --config_file accelerate.yaml train.py');
  });

  it('infers the data format from the first record when the config does not name it', async () => {
    const { path, dir } = demoConfig({ data: { train: join(ASSETS, 'demo-task', 'train.jsonl') } });
    expect((await run('export-run', '--config', path, '--out', join(dir, 'py'))).code).toBe(0);
    expect(read(join(dir, 'py'), 'train.py')).toContain('FORMAT = "prompt_completion"\nMAX_LENGTH = None\nCOMPLETION_ONLY_LOSS = False');
  });

  it('continues a checkpoint from its step: the adapter, the steps left and the shifted schedule', async () => {
    const { path, dir } = demoConfig();
    const folder = checkpoint(dir, { global_step: 30, total_steps: 100 });
    const r = await run('export-run', '--config', path, '--out', join(dir, 'py'), '--resume', folder);
    expect(r.code).toBe(0);
    const script = read(join(dir, 'py'), 'train.py');
    expect(script).toContain(`ADAPTER = ${JSON.stringify(folder)}`);
    expect(script).toContain('RESUME_STEP = 30\nTOTAL_STEPS = 100');
    expect(script).toContain('max_steps=TOTAL_STEPS - RESUME_STEP,');
    expect(script).toContain('model = PeftModel.from_pretrained(model, ADAPTER, is_trainable=True)');
    expect(script).not.toContain('PEFT_CONFIG = ');
  });

  it("continues a Python checkpoint given as the adapter (transformers' trainer_state.json) from its global_step", async () => {
    const { path, dir } = demoConfig({ num_train_epochs: 1, max_steps: -1 });
    const folder = checkpoint(dir, { global_step: 40, max_steps: 120, log_history: [] });
    const r = await run('export-run', '--config', path, '--out', join(dir, 'py'), '--method', 'null', '--adapter', folder);
    expect(r.stderr).toBe('');
    expect(read(join(dir, 'py'), 'train.py')).toContain('RESUME_STEP = 40\nTOTAL_STEPS = 120');
  });

  it('refuses a checkpoint that already reached max_steps, saying what to raise', async () => {
    const { path, dir } = demoConfig({ max_steps: 30 });
    const r = await run('export-run', '--config', path, '--out', join(dir, 'py'), '--resume', checkpoint(dir, { global_step: 30, total_steps: 30 }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/checkpoint is at step 30 and max_steps is 30.*raise max_steps/);
  });

  it('holds out the same records as @peft for eval_split', async () => {
    const { path, dir } = demoConfig({ data: { train: join(ASSETS, 'demo-task', 'train.jsonl'), eval_split: 0.1 } });
    expect((await run('export-run', '--config', path, '--out', join(dir, 'py'))).code).toBe(0);
    const m = /EVAL_INDICES = \[([\d, ]+)\]/.exec(read(join(dir, 'py'), 'train.py'));
    expect(m![1].split(', ')).toHaveLength(80);
    // the recipe evaluates every 50 steps, on the held-out records
    expect(read(join(dir, 'py'), 'train.py')).toContain('eval_strategy="steps",\n        eval_steps=50,');
  });

  it('reports settings with no Python equal on stderr and in train.py', async () => {
    const { path, dir } = demoConfig({ shuffle: false });
    const r = await run('export-run', '--config', path, '--out', join(dir, 'py'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^peft: export-run: not carried over: shuffle: false \(/m);
    expect(read(join(dir, 'py'), 'train.py')).toContain('#   shuffle: false (');
  });

  it('says that a 16-bit torch_dtype is exported as float32 compute, which is what @peft computes in', async () => {
    const { path, dir } = demoConfig({ torch_dtype: 'bfloat16' });
    const r = await run('export-run', '--config', path, '--out', join(dir, 'py'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/not carried over: torch_dtype: bfloat16: @peft keeps the weight matrices in bfloat16 and computes in float32/);
    expect(read(join(dir, 'py'), 'train.py')).toContain('dtype=torch.float32');
  });

  it("refuses unknown config keys as peft train does", async () => {
    const { path, dir } = demoConfig({ learning_rat: 1e-3 });
    const r = await run('export-run', '--config', path, '--out', join(dir, 'py'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown key "learning_rat" \(did you mean "learning_rate"\?\)/);
  });

  it('writes FSDP and DeepSpeed configs, and refuses both at once', async () => {
    const { path, dir } = demoConfig();
    expect((await run('export-run', '--config', path, '--out', join(dir, 'f'), '--fsdp', '--num-gpus', '2')).code).toBe(0);
    expect(read(join(dir, 'f'), 'accelerate.yaml')).toContain('distributed_type: FSDP');
    expect((await run('export-run', '--config', path, '--out', join(dir, 'd'), '--deepspeed', 'zero3')).code).toBe(0);
    expect(read(join(dir, 'd'), 'accelerate.yaml')).toContain('zero_stage: 3');
    expect(read(join(dir, 'd'), 'requirements.txt')).toContain('deepspeed');
    const both = await run('export-run', '--config', path, '--out', join(dir, 'x'), '--fsdp', '--deepspeed', 'zero2');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --fsdp or --deepspeed, not both');
  });

  it('writes an SFTTrainer project for --engine trl', async () => {
    const { path, dir } = demoConfig();
    expect((await run('export-run', '--config', path, '--out', join(dir, 'py'), '--engine', 'trl')).code).toBe(0);
    expect(read(join(dir, 'py'), 'train.py')).toContain('args = SFTConfig(');
    expect(read(join(dir, 'py'), 'requirements.txt')).toMatch(/^trl==[\d.]+\ndatasets==[\d.]+$/m);
  });

  it('refuses a method without a Python PEFT class, and missing --out', async () => {
    const { path, dir } = demoConfig({ method: { peft_type: 'BOTTLENECK' } });
    const r = await run('export-run', '--config', path, '--out', join(dir, 'py'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('method "BOTTLENECK" has no Python PEFT class');
    const noOut = await run('export-run', '--config', path);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('give --out DIR');
  });

  describe('refuses broken files it reads with a PeftError naming them (pnpm fuzz --only export-run found each as a crash)', () => {
    const quiet = { io: { stdout: { write: () => true }, stderr: { write: () => true } }, verbose: false };
    const exportRun = (path: string, dir: string, ...flags: string[]): Promise<number> => exportRunCommand.run(['--config', path, '--out', join(dir, 'py'), ...flags], quiet);

    it('a training file that is missing or a folder (was an ENOENT / EISDIR from readFile)', async () => {
      const missing = demoConfig({ data: { train: 'nowhere.jsonl' } });
      await expect(exportRun(missing.path, missing.dir)).rejects.toThrow(new FileFormatError(`${join(missing.dir, 'nowhere.jsonl')}: cannot read the data file (ENOENT: no such file or directory, open '${join(missing.dir, 'nowhere.jsonl')}')`));
      const folder = demoConfig({ data: { train: 'folder.jsonl' } });
      mkdirSync(join(folder.dir, 'folder.jsonl'));
      await expect(exportRun(folder.path, folder.dir)).rejects.toThrow(/folder\.jsonl: cannot read the data file \(EISDIR/);
    });

    it("an adapter whose adapter_config.json is not JSON (was a SyntaxError from JSON.parse)", async () => {
      const { path, dir } = demoConfig();
      const adapter = join(dir, 'adapter');
      mkdirSync(adapter);
      writeFileSync(join(adapter, 'adapter_config.json'), '{"peft_type": "LORA", "task_type": "CAU');
      await expect(exportRun(path, dir, '--method', 'null', '--adapter', adapter)).rejects.toThrow(FileFormatError);
      await expect(exportRun(path, dir, '--method', 'null', '--adapter', adapter)).rejects.toThrow(`${join(adapter, 'adapter_config.json')}: cannot read it as JSON (`);
    });

    it("a base model whose config.json names a class that is not a string (was a TypeError in endsWith)", async () => {
      const { path, dir } = demoConfig({ method: { peft_type: 'LORA', r: 4, target_modules: ['c_attn'] } });
      const model = join(dir, 'model');
      mkdirSync(model);
      writeFileSync(join(model, 'config.json'), JSON.stringify({ architectures: [5] }));
      await expect(exportRun(path, dir, '--model', model)).rejects.toThrow(new ConfigError(`${join(model, 'config.json')}: field "architectures.0" should be string, got 5`));
    });

    it('a checkpoint whose trainer_state.json has a mistyped step', async () => {
      const { path, dir } = demoConfig();
      const folder = checkpoint(dir, { global_step: 30 });
      writeFileSync(join(folder, 'trainer_state.json'), JSON.stringify({ global_step: '30' }));
      await expect(exportRun(path, dir, '--resume', folder)).rejects.toThrow(/trainer_state\.json: field "global_step" should be number, got "30"; expected the trainer state of a checkpoint-<step> folder/);
    });
  });
});
