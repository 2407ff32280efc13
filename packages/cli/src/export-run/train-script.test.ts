import { DATASET_FORMATS, parseTrainConfig } from '@peft/train';
import { describe, expect, it } from 'vitest';
import { pythonSyntaxProblems } from '../test-support/python-syntax.js';
import { exportPlan } from './export-plan.js';
import { trainScript } from './train-script.js';

/** A config with relative paths (kept as written), so the script is the same on every machine. */
function config(extra: Record<string, unknown> = {}, data: Record<string, unknown> = {}): ReturnType<typeof parseTrainConfig> {
  return parseTrainConfig(
    {
      model: 'base-model',
      method: { peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8, lora_alpha: 16, target_modules: ['c_attn', 'c_proj'] },
      data: { train: 'data/train.jsonl', format: 'prompt_completion', completion_only_loss: true, max_length: 128, ...data },
      output_dir: 'out',
      learning_rate: 3e-3,
      max_steps: 200,
      lr_scheduler_type: 'cosine',
      warmup_steps: 10,
      ...extra,
    },
    { label: 'train.json' },
  );
}

describe('trainScript', () => {
  it('writes the demo-like run as train.py (snapshot), which parses as Python', async () => {
    const script = trainScript(await exportPlan(config(), { label: 'train.json', engine: 'trainer' }));
    expect(pythonSyntaxProblems(script)).toEqual([]);
    await expect(script).toMatchFileSnapshot('__snapshots__/train.py.snap');
  });

  for (const engine of ['trainer', 'trl'] as const) {
    for (const format of DATASET_FORMATS) {
      if (engine === 'trl' && format === 'classification') continue;
      it(`writes ${format} data for the ${engine} engine as valid Python with that format's encoding`, async () => {
        const cls = format === 'classification';
        const cfg = config(cls ? { method: { peft_type: 'LORA', task_type: 'SEQ_CLS', r: 4, target_modules: ['query'] } } : {}, { format, completion_only_loss: format === 'chat' || format === 'prompt_completion', ...(cls ? { labels: ['ham', 'spam'] } : {}) });
        const script = trainScript(await exportPlan(cfg, { label: 'train.json', engine }));
        expect(pythonSyntaxProblems(script)).toEqual([]);
        expect(script).toContain(`FORMAT = "${format}"`);
        expect(script).toContain('def encode(record):');
        expect(script).toContain(cls ? 'AutoModelForSequenceClassification.from_pretrained(' : 'AutoModelForCausalLM.from_pretrained(');
        if (cls) expect(script).toContain('LABELS = ["ham", "spam"]');
        if (format === 'chat') expect(script).toContain('apply_chat_template');
        if (format === 'prompt_completion') expect(script).toMatch(/common_prefix\(tokenizer\(prompt\)/);
        if (format === 'text') expect(script).toContain('with_eos(tokenizer(record["text"])["input_ids"])');
        if (engine === 'trl') {
          expect(script).toContain('class ExportTrainer(ContinuedSchedule, SFTTrainer):');
          expect(script).toContain('args = SFTConfig(');
          // TRL's own defaults that would change the run: bf16, and a chunked loss refused with a LoRA lm_head
          expect(script).toContain('bf16=False,');
          expect(script).toContain('loss_type="nll",');
          if (format === 'chat') expect(script).toContain('assistant_only_loss=COMPLETION_ONLY_LOSS,');
          if (format === 'prompt_completion') expect(script).toContain('completion_only_loss=COMPLETION_ONLY_LOSS,');
        } else {
          expect(script).toContain('class ExportTrainer(ContinuedSchedule, Trainer):');
          expect(script).toContain('data_collator=collate,');
        }
      });
    }
  }

  it('packs, quantizes and stops early when the config says so', async () => {
    const cfg = config({ early_stopping_patience: 2, eval_steps: 20, quantization: { load_in_4bit: true, bnb_4bit_use_double_quant: true } }, { packing: true, eval: 'data/eval.jsonl' });
    const script = trainScript(await exportPlan(cfg, { label: 'train.json', engine: 'trainer' }));
    expect(pythonSyntaxProblems(script)).toEqual([]);
    expect(script).toContain('def pack(examples, block_size):');
    expect(script).toContain('PACKING = True');
    expect(script).toContain('BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.float32)');
    expect(script).toContain('prepare_model_for_kbit_training(model');
    expect(script).toContain('callbacks=[EarlyStoppingCallback(early_stopping_patience=2, early_stopping_threshold=0)],');
  });

  it('lists the settings with no Python equal at the top', async () => {
    const script = trainScript(await exportPlan(config({ shuffle: false }), { label: 'train.json', engine: 'trainer' }));
    expect(script).toMatch(/# Settings of the @peft config with no equal here \(not applied\):\n# {3}shuffle: false/);
  });
});
