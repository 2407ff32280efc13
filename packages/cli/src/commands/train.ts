import { openBackend, parseBackendChoice } from '../backend-choice.js';
import type { Command } from '../command.js';
import { readTrainConfigInput } from '../train-config-input.js';
import { parseTrainFlags } from '../train-flags.js';
import { checkTrainingMemory } from '../train-memory-check.js';
import { loadTraining, trainAndSave } from '../training-run.js';

const USAGE = `Usage: peft train --config train.json [--key value]... [--resume [DIR|latest]] [--backend webgpu|cpu] [--quiet]

Fine-tunes an adapter on a base model and saves it (adapter_config.json + adapter_model.safetensors)
with a model card (README.md), metrics.jsonl and loss_curve.svg in output_dir.

The config (JSON; paths relative to the file) uses Hugging Face's TrainingArguments names:
  model                         base checkpoint folder (config.json, model.safetensors, tokenizer.json),
                                or a Hub id (org/name) fetched into the shared Hugging Face cache
  revision                      for a Hub id: a branch, tag or commit (default main)
  method | adapter              a new adapter's config as in adapter_config.json, e.g.
                                {"peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["c_attn"]},
                                or an adapter folder or Hub id to continue training
  data                          {"train": FILE, "eval"?: FILE, "format"?: "tokenized" | "text" |
                                "prompt_completion" | "chat" | "classification", "max_length"?: N,
                                "completion_only_loss"?: bool, "packing"?: bool, "eval_split"?: 0.1 | N,
                                "labels"?: [class names], "split"?: "train"}  (JSONL, CSV, .txt or
                                .parquet; or hf://datasets/org/name/FILE, or a dataset id with "split";
                                format inferred when absent)
  output_dir                    where the adapter, metrics and checkpoints go
  learning_rate (5e-5)          per_device_train_batch_size (8)      per_device_eval_batch_size (8)
  gradient_accumulation_steps (1)  max_steps (-1: by epochs)         num_train_epochs (3)
  weight_decay (0)              adam_beta1 (0.9)  adam_beta2 (0.999)  adam_epsilon (1e-8)
  lr_scheduler_type (linear: constant | constant_with_warmup | linear | cosine)
  warmup_steps (0)  warmup_ratio (0)  max_grad_norm (1.0; 0 or null: no clipping)  seed (42)
  shuffle (true)  logging_steps (10)  eval_steps (0: at the end)  save_steps (0: no checkpoints)
  save_total_limit (null)  early_stopping_patience (0: off)  early_stopping_threshold (0)
  resume_from_checkpoint        a checkpoint-<step> folder, or "latest"
  quantization                  QLoRA: load the base's dense layers in 4 bits, with BitsAndBytesConfig
                                names: {"load_in_4bit": true, "bnb_4bit_quant_type": "nf4" | "fp4",
                                "bnb_4bit_use_double_quant": bool, "llm_int8_skip_modules": [...]}

Every key can also be given as a flag, which wins over the file: --learning_rate 1e-3 (or
--learning-rate), --train FILE, --max_length 256, --method '{"peft_type": "LORA", "r": 4}'.

  --resume [DIR]   continue from a checkpoint folder (default: the newest in output_dir); the
                   losses after resuming equal an uninterrupted run's
  memory_budget                 the device memory the run may use (8GiB, 12GB or bytes); default: the
                                host's free memory on the CPU backend and CPU WebGPU adapters (lavapipe,
                                SwiftShader), else 16 GiB (WebGPU does not report device memory)
  estimate_check (true)         refuse, before loading, a run whose memory forecast does not fit
  torch_dtype (auto)            the base model's weight matrices on the device: auto (the checkpoint's:
                                bf16 stays bf16, half the memory of f32), float32, bfloat16, float16;
                                adapters and optimizer state are f32 whatever it is

Before loading, the memory forecast (peft inspect MODEL --estimate) is printed; a run that does not
fit the budget, or whose largest buffer passes the device's, is refused with what would fit
(QLoRA, gradient checkpointing, a shorter max_length, a smaller batch).

  --no-estimate-check  go on even when the forecast does not fit
  --backend B      webgpu (default; falls back to cpu with a note) or cpu
  --quiet          no progress output
  -h, --help       this text
`;

/**
 * `peft train`: fine-tunes an adapter as a training config describes and saves it.
 *
 * @example
 * ```sh
 * peft train --config train.json --max_steps 200
 * ```
 */
export const trainCommand: Command = {
  name: 'train',
  summary: 'fine-tune an adapter (LoRA, LoHa, IA3, …) on your data and save it',
  usage: USAGE,
  async run(argv, { io }) {
    const flags = parseTrainFlags(argv);
    const { cfg } = await readTrainConfigInput(flags, 'train');
    const session = await openBackend(parseBackendChoice('train', flags.backend), io);
    try {
      await checkTrainingMemory(cfg, session.backend, io.stderr, { quiet: flags.quiet });
      const setup = await loadTraining(cfg, session.backend, io);
      const { result, finalEval } = await trainAndSave(cfg, setup, io.stderr, { quiet: flags.quiet });
      const last = result.losses.at(-1);
      const evalText = finalEval ? `; eval loss ${finalEval.loss.toFixed(4)}, perplexity ${finalEval.perplexity.toFixed(2)}${finalEval.accuracy !== undefined ? `, accuracy ${(finalEval.accuracy * 100).toFixed(1)}%` : ''}` : '';
      io.stdout.write(
        `trained ${result.globalStep} step(s) in ${result.seconds.toFixed(1)} s${last !== undefined ? `; last loss ${last.toFixed(4)}` : ''}${evalText}${result.stoppedEarly ? ' (stopped early)' : ''}\nsaved the adapter, README.md, metrics.jsonl and loss_curve.svg to ${cfg.outputDir}\n`,
      );
      return 0;
    } finally {
      session.close();
    }
  },
};
