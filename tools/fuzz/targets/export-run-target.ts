import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError } from '../../../packages/core/src/index.js';
import { exportRunCommand } from '../../../packages/cli/src/commands/export-run.js';
import { pythonSyntaxProblems } from '../../../packages/cli/src/test-support/python-syntax.js';
import { UsageError } from '../../../packages/cli/src/usage-error.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { type FuzzRandom, mutateJson } from '../fuzz-random.js';
import { ROOT, sizeOf } from './seed-files.js';

/** The fixture models a config may name (their config.json decides the exported head), a Hub id and a missing folder. */
const MODELS = [
  `${ROOT}packages/models/test/fixtures/gpt2`,
  `${ROOT}packages/models/test/fixtures/llama`,
  `${ROOT}packages/models/test/fixtures/bert`,
  `${ROOT}packages/models/test/fixtures/t5`,
  `${ROOT}packages/cli/assets/base-model`,
  'HuggingFaceTB/SmolLM2-135M',
  '/nonexistent/model',
];

/** Every method `peft train` knows, as a config's `method` would give it (two have no Python PEFT class). */
const METHODS: readonly unknown[] = [
  { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8, lora_alpha: 16, lora_dropout: 0.05, target_modules: ['c_attn', 'c_proj'], fan_in_fan_out: true },
  { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'], use_dora: true, rank_pattern: { q_proj: 2 }, modules_to_save: ['lm_head'] },
  'LORA',
  { peft_type: 'LOHA', r: 4, alpha: 8, target_modules: ['c_attn'] },
  { peft_type: 'LOKR', r: 4, alpha: 8, target_modules: ['c_attn'], decompose_both: true },
  { peft_type: 'IA3', target_modules: ['c_attn', 'c_fc'], feedforward_modules: ['c_fc'] },
  { peft_type: 'ADALORA', init_r: 12, target_r: 4, total_step: 100, tinit: 10, tfinal: 20, deltaT: 5, target_modules: ['c_attn'] },
  { peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 8, prompt_tuning_init: 'RANDOM' },
  { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 8 },
  { peft_type: 'P_TUNING', num_virtual_tokens: 8, encoder_hidden_size: 32 },
  { peft_type: 'BOTTLENECK', bottleneck_size: 16 },
  { peft_type: 'BITFIT' },
  { peft_type: 'LORA', task_type: 'SEQ_CLS', r: 8, target_modules: ['query', 'value'], modules_to_save: ['classifier'] },
];

/** Data files of every format (written once per process), each with the `data` settings that fit it. */
const DATA: readonly { file: string; text: string; data: Record<string, unknown> }[] = [
  { file: 'text.jsonl', text: '{"text": "The first document."}\n{"text": "A second one."}\n{"text": "A third."}\n', data: { format: 'text', max_length: 64, packing: true } },
  {
    file: 'pc.jsonl',
    text: '{"prompt": "Translate: cat", "completion": " chat"}\n{"prompt": "Translate: dog", "completion": " chien"}\n',
    data: { format: 'prompt_completion', completion_only_loss: true },
  },
  { file: 'chat.jsonl', text: '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}\n', data: { max_length: 128 } },
  { file: 'ids.jsonl', text: '{"input_ids": [1, 2, 3, 4], "labels": [-100, 2, 3, 4]}\n{"input_ids": [5, 6]}\n', data: { format: 'tokenized' } },
  { file: 'cls.csv', text: 'text,label\n"Win a prize, now",spam\nSee you at 5,ham\nLunch?,ham\nFree money,spam\n', data: { format: 'classification', labels: ['ham', 'spam'], eval_split: 0.25 } },
  { file: 'docs.txt', text: 'First paragraph of plain text.\n\nSecond paragraph,\nwith two lines.\n', data: { eval_split: 1 } },
  { file: 'pc.jsonl', text: '', data: { eval: 'pc.jsonl', format: 'prompt_completion' } },
  { file: 'hf://datasets/org/data/train.parquet', text: '', data: { split: 'train' } },
];

/** Training settings beside the model, method and data; each config takes a random subset. */
const ARGS: Readonly<Record<string, readonly unknown[]>> = {
  learning_rate: [3e-3, 1e-4],
  per_device_train_batch_size: [1, 8],
  per_device_eval_batch_size: [16],
  gradient_accumulation_steps: [1, 4],
  max_steps: [100, -1],
  num_train_epochs: [1, 3],
  lr_scheduler_type: ['cosine', 'linear', 'constant', 'constant_with_warmup'],
  warmup_steps: [0, 10],
  warmup_ratio: [0.1],
  weight_decay: [0, 0.01],
  max_grad_norm: [1, 0.5],
  logging_steps: [1, 10],
  eval_steps: [50],
  save_steps: [5, 500],
  save_total_limit: [2],
  seed: [42, 0],
  gradient_checkpointing: [true, false],
  early_stopping_patience: [2],
  shuffle: [false],
  quantization: [{ load_in_4bit: true, bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true }, { load_in_4bit: true, bnb_4bit_quant_type: 'fp4' }],
  memory_budget: ['8GiB'],
  revision: ['main', 'refs/pr/1'],
};

/** Strings that break generated code or paths: quotes, escapes, newlines, Python syntax, odd code points. */
const HOSTILE_STRINGS = [
  '"', "'", '"""', "'''", '\\', '\\"', '\n', '\r\n', '# comment', '\u0000', '\u2028', '\ud800', 'é/ü', '${x}', '{x}', '%s', "'); import os; os.system('x'); ('",
  '"\nimport os\n"', '../../../../etc/passwd', '/', '.', '', ' ', 'a'.repeat(5000), 'org/name', 'hf://datasets/o/d', 'latest', 'checkpoint-3', 'C:\\data\\x',
];
const HOSTILE_NUMBERS = [-1, 0, 0.5, 1e308, -1e308, 2 ** 31, 2 ** 53, Number.MIN_VALUE, 1e-320, 3.7];
const HOSTILE_VALUES: readonly unknown[] = [...HOSTILE_STRINGS, ...HOSTILE_NUMBERS, null, true, false, [], {}, [1, 2], { a: 1 }, ['x', 'y'], { __proto__: { polluted: 1 } }];

/** A config field path to replace: top-level keys, the method's and the data's. */
function replaceSomewhere(r: FuzzRandom, config: Record<string, unknown>): void {
  const targets: Record<string, unknown>[] = [config];
  if (typeof config.method === 'object' && config.method !== null) targets.push(config.method as Record<string, unknown>);
  if (typeof config.data === 'object' && config.data !== null) targets.push(config.data as Record<string, unknown>);
  const obj = r.pick(targets);
  const keys = Object.keys(obj);
  const key = r.chance(0.15) || keys.length === 0 ? r.pick(['unknown_key', 'learning_rat', 'task_type', 'target_modules', 'r', 'peft_type', 'constructor', '__proto__', 'x'.repeat(300)]) : r.pick(keys);
  if (r.chance(0.1)) delete obj[key];
  else obj[key] = r.pick(HOSTILE_VALUES);
}

/** Puts a hostile string where the config takes free text that ends up in train.py: paths, a revision, module names, labels. */
function hostileText(r: FuzzRandom, config: Record<string, unknown>): void {
  const text = r.pick(HOSTILE_STRINGS.filter((t) => t !== '' && !t.includes('\u0000'))) + (r.chance(0.5) ? r.pick(HOSTILE_STRINGS) : '');
  const method = typeof config.method === 'object' && config.method !== null ? (config.method as Record<string, unknown>) : undefined;
  const data = config.data as Record<string, unknown>;
  switch (r.int(6)) {
    case 0:
      config.model = text;
      break;
    case 1:
      config.revision = text;
      break;
    case 2:
      if (method) method.target_modules = ['c_attn', text];
      else config.model = text;
      break;
    case 3:
      data.labels = ['ham', text];
      break;
    case 4:
      if (method && Array.isArray(method.modules_to_save)) method.modules_to_save = [text];
      else config.output_dir = text;
      break;
    default:
      config.run_name = text;
  }
}

/** The flags export-run takes itself, sometimes hostile. */
function ownFlags(r: FuzzRandom): string[] {
  const out: string[] = [];
  if (r.chance(0.4)) out.push('--engine', r.chance(0.95) ? r.pick(['trainer', 'trl']) : r.pick(HOSTILE_STRINGS));
  if (r.chance(0.4)) out.push('--num-gpus', r.chance(0.9) ? String(1 + r.int(8)) : String(r.pick([...HOSTILE_NUMBERS, 'x', '1e3'])));
  const p = r.int(4);
  if (p === 1) out.push('--fsdp');
  if (p === 2) out.push('--deepspeed', r.chance(0.95) ? r.pick(['zero2', 'zero3']) : r.pick(HOSTILE_STRINGS));
  if (p === 3 && r.chance(0.05)) out.push('--fsdp', '--deepspeed', 'zero3');
  return out;
}

/** Config keys given as flags over the file (`--learning_rate 1e-3`, `--train FILE`, …), sometimes hostile. */
function overrideFlags(r: FuzzRandom, dataDir: string, checkpoint: string): string[] {
  const out: string[] = [];
  for (let k = r.int(3); k > 0; k--) {
    const name = r.pick(['learning_rate', 'max_steps', 'method', 'train', 'format', 'seed', 'resume', 'adapter', 'gradient_checkpointing', 'eval_split', 'max_length', 'unknown_flag']);
    const good: Record<string, () => string> = {
      learning_rate: () => '1e-4',
      max_steps: () => '50',
      method: () => r.pick(['LORA', 'IA3', 'LOHA', 'null']),
      train: () => join(dataDir, r.pick(DATA).file),
      format: () => r.pick(['text', 'chat', 'prompt_completion', 'tokenized', 'classification']),
      seed: () => '7',
      resume: () => checkpoint,
      adapter: () => checkpoint,
      gradient_checkpointing: () => 'true',
      eval_split: () => '0.5',
      max_length: () => '32',
      unknown_flag: () => '1',
    };
    out.push(`--${name}`, r.chance(0.8) ? good[name]() : String(r.pick(HOSTILE_VALUES.filter((v) => typeof v !== 'object'))));
  }
  return out;
}

/** A valid training config of a random method, data format and model, with a random subset of the settings. */
function cleanConfig(r: FuzzRandom, dataDir: string, runDir: string): Record<string, unknown> {
  const d = r.pick(DATA);
  const data: Record<string, unknown> = { train: d.file.startsWith('hf://') ? d.file : join(dataDir, d.file), ...d.data };
  if (typeof data.eval === 'string') data.eval = join(dataDir, data.eval);
  const config: Record<string, unknown> = { model: r.pick(MODELS), method: structuredClone(r.pick(METHODS)), data, output_dir: join(runDir, 'run') };
  for (const [key, values] of Object.entries(ARGS)) if (r.chance(0.25)) config[key] = structuredClone(r.pick(values));
  return config;
}

/** A checkpoint folder (trainer_state.json and adapter_config.json, sometimes mutated) for --resume / --adapter / "latest". */
function writeCheckpoint(r: FuzzRandom, runDir: string): { folder: string; bytes: number } {
  const step = 1 + r.int(60);
  const folder = join(runDir, 'run', `checkpoint-${step}`);
  mkdirSync(folder, { recursive: true });
  let state = JSON.stringify(r.chance(0.5) ? { global_step: step, total_steps: 100 } : { global_step: step, max_steps: 120, log_history: [] });
  let adapterConfig = JSON.stringify({ peft_type: 'LORA', task_type: r.pick(['CAUSAL_LM', 'SEQ_CLS', null]), r: 8, target_modules: ['c_attn'] });
  if (r.chance(0.3)) state = mutateJson(r, state);
  if (r.chance(0.3)) adapterConfig = mutateJson(r, adapterConfig);
  writeFileSync(join(folder, 'trainer_state.json'), state);
  writeFileSync(join(folder, 'adapter_config.json'), adapterConfig);
  return { folder, bytes: sizeOf(state, adapterConfig) };
}

/** The CLI's refusal of a malformed command line, counted as a refusal (the CLI exits 2 with the message). */
class RefusedUsage extends ArgumentError {
  constructor(e: UsageError) {
    super(e.message);
    this.name = 'UsageError';
  }
}

/**
 * `peft export-run` on training configs of every method, data format and model head, with the
 * engine, GPU count and --fsdp / --deepspeed flags, config keys given as flags, and checkpoints to
 * continue (their trainer_state.json and adapter_config.json sometimes mutated): clean, with a field
 * replaced by a hostile string, number or shape (quotes, newlines, Python code, paths, 1e308, unknown
 * keys), or with the JSON text mutated. Each input runs the command into a fresh folder: it must
 * write the project, whose train.py passes the Python syntax check the CLI's tests use, or refuse
 * with a PeftError (a usage mistake on the command line counts as a refusal: the CLI's `UsageError`).
 * Hub datasets are read offline (`HF_HUB_OFFLINE=1`, an empty cache), so nothing leaves the machine.
 *
 * @example
 * ```ts
 * await runFuzzTarget(exportRunTarget, { seed: 1, count: 100 });
 * ```
 */
export const exportRunTarget: FuzzTarget = {
  name: 'export-run',
  description: 'train.json (+ flags, checkpoints) → peft export-run → train.py (Python syntax check)',
  prepare() {
    const root = mkdtempSync(join(tmpdir(), 'peft-fuzz-export-'));
    // Hub datasets and models are read offline from an empty cache, only while an input runs
    const offline = { HF_HUB_OFFLINE: '1', HF_HUB_CACHE: join(root, 'hub-cache') };
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    for (const d of DATA) if (d.text) writeFileSync(join(dataDir, d.file), d.text);
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    return Promise.resolve((r, index) => {
      const runDir = join(root, `input-${index}`);
      mkdirSync(runDir);
      const config = cleanConfig(r, dataDir, runDir);
      const checkpoint = r.chance(0.3) ? writeCheckpoint(r, runDir) : undefined;
      if (checkpoint && r.chance(0.5)) {
        if (r.chance(0.5)) config.resume_from_checkpoint = r.chance(0.5) ? checkpoint.folder : 'latest';
        else {
          config.adapter = checkpoint.folder;
          delete config.method;
        }
      }
      const mode = r.int(10);
      let kind = 'clean';
      if (mode === 1) {
        kind = 'text';
        hostileText(r, config);
      } else if (mode >= 2 && mode < 7) {
        kind = 'field';
        for (let k = 1 + r.int(3); k > 0; k--) replaceSomewhere(r, config);
      }
      let text = JSON.stringify(config, null, 2);
      if (mode >= 7) {
        kind = 'mutated';
        text = mutateJson(r, text);
      }
      const path = join(runDir, 'train.json');
      writeFileSync(path, text);
      const out = join(runDir, 'py');
      const argv = ['--config', path, '--out', out, ...ownFlags(r), ...(r.chance(0.3) ? overrideFlags(r, dataDir, checkpoint?.folder ?? join(runDir, 'nothing')) : [])];
      const sink = { write: () => true };
      return {
        kind,
        bytes: sizeOf(text) + (checkpoint?.bytes ?? 0),
        run: async () => {
          const saved = { HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE, HF_HUB_CACHE: process.env.HF_HUB_CACHE };
          Object.assign(process.env, offline);
          try {
            await exportRunCommand.run(argv, { io: { stdout: sink, stderr: sink }, verbose: false });
            const problems = pythonSyntaxProblems(readFileSync(join(out, 'train.py'), 'utf8'));
            if (problems.length) throw new Error(`train.py does not parse: ${problems.slice(0, 3).join('; ')}`);
          } catch (e) {
            if (e instanceof UsageError) throw new RefusedUsage(e);
            throw e;
          } finally {
            for (const [k, v] of Object.entries(saved)) {
              if (v === undefined) delete process.env[k];
              else process.env[k] = v;
            }
            rmSync(runDir, { recursive: true, force: true });
          }
        },
      };
    });
  },
};
