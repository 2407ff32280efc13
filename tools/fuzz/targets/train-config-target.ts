import { FileFormatError } from '../../../packages/core/src/index.js';
import { parseTrainConfig } from '../../../packages/train/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { mutateJson } from '../fuzz-random.js';
import { sizeOf } from './seed-files.js';

const SEEDS = [
  {
    model: 'models/gpt2',
    method: { peft_type: 'LORA', r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: ['c_attn', 'c_fc'], fan_in_fan_out: true },
    data: { train: 'train.jsonl', eval: 'eval.jsonl', format: 'tokenized', max_length: 64, packing: false, completion_only_loss: true },
    output_dir: 'out',
    learning_rate: 5e-3,
    per_device_train_batch_size: 4,
    gradient_accumulation_steps: 2,
    max_steps: 120,
    lr_scheduler_type: 'cosine',
    warmup_steps: 5,
    logging_steps: 1,
    save_steps: 5,
    save_total_limit: 2,
    seed: 42,
  },
  {
    model: 'assets/base-model',
    method: 'LORA',
    data: { train: 'spam.csv', format: 'classification', eval_split: 0.2, labels: ['ham', 'spam'] },
    output_dir: 'out',
    num_train_epochs: 3,
    weight_decay: 0.01,
    max_grad_norm: 1,
    eval_steps: 10,
    early_stopping_patience: 2,
    quantization: { bits: 4, bnb_4bit_quant_type: 'nf4' },
    resume_from_checkpoint: 'latest',
  },
].map((s) => JSON.stringify(s, null, 2));

/**
 * Training configs (as `peft train --config` reads them) mutated, through `JSON.parse` (a syntax error
 * becomes the FileFormatError the command throws) and `parseTrainConfig`.
 *
 * @example
 * ```ts
 * await runFuzzTarget(trainConfigTarget, { seed: 1, count: 100 });
 * ```
 */
export const trainConfigTarget: FuzzTarget = {
  name: 'train-config',
  description: 'train.json → JSON.parse → parseTrainConfig',
  prepare() {
    return Promise.resolve((r) => {
      const clean = r.chance(0.03);
      const text = clean ? r.pick(SEEDS) : mutateJson(r, r.pick(SEEDS));
      return {
        kind: clean ? 'clean' : 'mutated',
        bytes: sizeOf(text),
        run: () => {
          let raw: unknown;
          try {
            raw = JSON.parse(text);
          } catch (e) {
            return Promise.reject(new FileFormatError(`train.json: invalid JSON (${(e as Error).message})`));
          }
          parseTrainConfig(raw, { label: 'train.json', baseDir: '/data' });
          return Promise.resolve();
        },
      };
    });
  },
};
