import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { type Parallelism, accelerateConfigYaml } from '../export-run/accelerate-config.js';
import { exportPlan } from '../export-run/export-plan.js';
import { projectReadme } from '../export-run/project-readme.js';
import { requirementsTxt } from '../export-run/requirements.js';
import { trainScript } from '../export-run/train-script.js';
import { readTrainConfigInput } from '../train-config-input.js';
import { parseTrainFlags } from '../train-flags.js';
import { UsageError } from '../usage-error.js';

const USAGE = `Usage: peft export-run --config train.json --out DIR [--engine trainer|trl] [--num-gpus N] [--fsdp | --deepspeed zero2|zero3] [--key value]...

Writes a Python project that runs the same training with Hugging Face transformers + PEFT on
Accelerate, for more GPUs than @peft's one device: train.py (same base model, adapter config, data
and TrainingArguments), accelerate.yaml, requirements.txt and README.md. A config that continues an
adapter or a checkpoint (adapter, resume_from_checkpoint) continues it, the learning-rate schedule
from the checkpoint's step. Settings with no Python equal are listed in train.py and on stderr.

  --config FILE       the training config, as for peft train (its flags override it the same way)
  --out DIR           where the project goes (created; its four files are overwritten)
  --engine E          trainer (default: transformers' Trainer) or trl (TRL's SFTTrainer)
  --num-gpus N        processes to launch (default 1)
  --fsdp              shard the model with FSDP
  --deepspeed S       DeepSpeed ZeRO stage: zero2 or zero3
  -h, --help          this text
`;

/**
 * `peft export-run`: writes the Python project that continues or reproduces a training run with
 * transformers + PEFT (+ TRL) on Accelerate.
 *
 * @example
 * ```sh
 * peft export-run --config train.json --out scale-out --num-gpus 8 --deepspeed zero3
 * ```
 */
export const exportRunCommand: Command = {
  name: 'export-run',
  summary: 'write a transformers + PEFT project (train.py, accelerate.yaml) that runs a training config on many GPUs',
  usage: USAGE,
  async run(argv, { io }) {
    const own = takeOwnFlags(argv);
    let flags;
    try {
      flags = parseTrainFlags(own.rest);
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(e.message.replace(/^train:/, 'export-run:').replace('--config, --resume, --backend, --quiet', '--config, --resume, --out, --engine, --num-gpus, --fsdp, --deepspeed'));
      throw e;
    }
    const { cfg, label } = await readTrainConfigInput(flags, 'export-run');
    const plan = await exportPlan(cfg, { label, engine: own.engine });
    const out = resolve(own.out);
    await mkdir(out, { recursive: true });
    const files: [string, string][] = [
      ['train.py', trainScript(plan)],
      ['accelerate.yaml', accelerateConfigYaml(own.parallelism, { numProcesses: own.numGpus, gradientAccumulationSteps: cfg.args.gradientAccumulationSteps, maxGradNorm: cfg.args.maxGradNorm })],
      ['requirements.txt', requirementsTxt({ trl: own.engine === 'trl', bitsandbytes: cfg.quantization !== undefined, deepspeed: own.parallelism.kind === 'deepspeed', datasets: plan.data.train.startsWith('hf://') })],
      ['README.md', projectReadme(plan, own.parallelism, own.numGpus)],
    ];
    for (const [name, text] of files) await writeFile(join(out, name), text);
    for (const n of plan.notMapped) io.stderr.write(`peft: export-run: not carried over: ${n}\n`);
    io.stdout.write(`wrote ${files.map(([n]) => n).join(', ')} to ${out}\nrun it: cd ${out} && pip install -r requirements.txt && accelerate launch --config_file accelerate.yaml train.py\n`);
    return 0;
  },
};

interface OwnFlags {
  readonly out: string;
  readonly engine: 'trainer' | 'trl';
  readonly numGpus: number;
  readonly parallelism: Parallelism;
  /** The arguments left for the training config (--config and config keys). */
  readonly rest: string[];
}

function takeOwnFlags(argv: readonly string[]): OwnFlags {
  const rest: string[] = [];
  let out: string | undefined;
  let engine: 'trainer' | 'trl' = 'trainer';
  let numGpus = 1;
  let fsdp = false;
  let deepspeed: 2 | 3 | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`export-run: ${name} expects a value`);
      i++;
      return next;
    };
    if (name === '--out') out = value();
    else if (name === '--engine') {
      const v = value();
      if (v !== 'trainer' && v !== 'trl') throw new UsageError(`export-run: --engine must be trainer or trl, got "${v}"`);
      engine = v;
    } else if (name === '--num-gpus' || name === '--num_gpus') {
      const v = value();
      numGpus = Number(v);
      if (!Number.isInteger(numGpus) || numGpus < 1) throw new UsageError(`export-run: --num-gpus must be an integer >= 1, got "${v}"`);
    } else if (name === '--fsdp') fsdp = true;
    else if (name === '--deepspeed') {
      const v = value();
      if (v !== 'zero2' && v !== 'zero3') throw new UsageError(`export-run: --deepspeed must be zero2 or zero3, got "${v}"`);
      deepspeed = v === 'zero2' ? 2 : 3;
    } else if (name === '--backend' || name === '--quiet') {
      throw new UsageError(`export-run: ${name} is for peft train; the exported run picks its devices with accelerate`);
    } else rest.push(arg);
  }
  if (out === undefined) throw new UsageError('export-run: give --out DIR, the folder the Python project is written to');
  if (fsdp && deepspeed !== undefined) throw new UsageError('export-run: give --fsdp or --deepspeed, not both');
  const parallelism: Parallelism = fsdp ? { kind: 'fsdp' } : deepspeed !== undefined ? { kind: 'deepspeed', stage: deepspeed } : { kind: 'ddp' };
  return { out, engine, numGpus, parallelism, rest };
}
