import type { DatasetFormat, QuantizationConfig } from '@peft/train';
import type { PythonPeftConfig } from './peft-config-python.js';
import { pythonDataCode } from './python-data-code.js';
import { pythonKwargs, pythonLiteral, pythonString } from './python-literal.js';
import type { PythonTrainingArguments } from './training-arguments-python.js';

/**
 * Everything train.py is written from: a training config resolved for export.
 *
 * @example
 * ```ts
 * const plan: ExportPlan = { configLabel: 'train.json', engine: 'trainer', model: 'gpt2', task: 'CAUSAL_LM', peftConfig, resumeStep: 0, totalSteps: 100, data, trainingArguments, notMapped: [] };
 * ```
 */
export interface ExportPlan {
  /** Where the config came from, for the header. */
  readonly configLabel: string;
  /** `trainer`: transformers' Trainer with train.py's own data encoding; `trl`: TRL's SFTTrainer. */
  readonly engine: 'trainer' | 'trl';
  /** The base model: a folder or a Hub id. */
  readonly model: string;
  readonly revision?: string;
  /** The head: a causal LM or a sequence classifier. */
  readonly task: 'CAUSAL_LM' | 'SEQ_CLS';
  /** A new adapter's Python PEFT config (undefined when `adapter` continues one). */
  readonly peftConfig?: PythonPeftConfig;
  /** An adapter folder to continue training (`PeftModel.from_pretrained(..., is_trainable=True)`). */
  readonly adapter?: string;
  /** Optimizer steps the continued run already did (0 for a new run). */
  readonly resumeStep: number;
  /** The whole run's optimizer steps, or null when it trains by epochs. */
  readonly totalSteps: number | null;
  readonly data: {
    readonly train: string;
    readonly eval?: string;
    readonly split?: string;
    readonly format: DatasetFormat;
    readonly maxLength?: number;
    readonly completionOnlyLoss: boolean;
    readonly packing: boolean;
    readonly labels?: readonly string[];
    /** Indices of the training records held out for evaluation (`eval_split`, as @peft picks them). */
    readonly evalIndices?: readonly number[];
  };
  readonly quantization?: QuantizationConfig;
  readonly trainingArguments: PythonTrainingArguments;
  /** `key: value (why)` for settings with no Python equal, listed at the top of train.py. */
  readonly notMapped: readonly string[];
}

const CONTINUED_SCHEDULE = String.raw`class ContinuedSchedule:
    """Gives a continued run the learning rates the uninterrupted run would have had: transformers' own
    schedule over the whole run's TOTAL_STEPS, with every step shifted by the RESUME_STEP steps
    already done (optimizer step k of this run takes the rate of step RESUME_STEP + k)."""

    def create_scheduler(self, num_training_steps, optimizer=None):
        if RESUME_STEP == 0 or self.lr_scheduler is not None:
            return super().create_scheduler(num_training_steps, optimizer)
        optimizer = self.optimizer if optimizer is None else optimizer
        whole = get_scheduler(
            self.args.lr_scheduler_type,
            optimizer=optimizer,
            num_warmup_steps=self.args.get_warmup_steps(TOTAL_STEPS),
            num_training_steps=TOTAL_STEPS,
        )
        self.lr_scheduler = LambdaLR(optimizer, [lambda step, f=f: f(step + RESUME_STEP) for f in whole.lr_lambdas])
        self._created_lr_scheduler = True
        return self.lr_scheduler`;

/**
 * The text of the exported `train.py`: the constants of the run at the top (model, adapter, data,
 * steps), the settings with no Python equal in a comment, the data code of its format, the
 * continued learning-rate schedule, and `main()` that loads the model, puts the PEFT adapter on it
 * (a new one from its config, or the given one trainable), trains with `TrainingArguments` of the
 * same hyperparameters, evaluates, and saves the adapter into `OUTPUT_DIR`.
 *
 * @example
 * ```ts
 * await writeFile(join(out, 'train.py'), trainScript(plan));
 * ```
 */
export function trainScript(plan: ExportPlan): string {
  const d = plan.data;
  const trl = plan.engine === 'trl';
  const cls = plan.task === 'SEQ_CLS' ? 'AutoModelForSequenceClassification' : 'AutoModelForCausalLM';
  const peftImports = ['PeftModel', ...(plan.peftConfig ? [plan.peftConfig.className, 'get_peft_model'] : []), ...(plan.quantization ? ['prepare_model_for_kbit_training'] : [])];
  const tfImports = ['AutoTokenizer', cls, ...(plan.quantization ? ['BitsAndBytesConfig'] : []), ...(plan.trainingArguments.callbacks.length ? ['EarlyStoppingCallback'] : []), ...(trl ? [] : ['Trainer', 'TrainingArguments']), 'get_scheduler', 'set_seed'];
  const header = [
    `"""Continues or reproduces a @peft training run with transformers + PEFT${trl ? ' + TRL' : ''}.`,
    '',
    `Exported by \`peft export-run\` from ${plan.configLabel}.`,
    'Launch: accelerate launch --config_file accelerate.yaml train.py',
    '"""',
    '',
    ...(plan.notMapped.length
      ? ['# Settings of the @peft config with no equal here (not applied):', ...plan.notMapped.map((n) => `#   ${n}`), '']
      : ['# Every setting of the @peft config is applied below.', '']),
    'import csv',
    'import json',
    'import os',
    'import re',
    'from pathlib import Path',
    '',
    'import torch',
    'from torch.optim.lr_scheduler import LambdaLR',
    `from peft import ${peftImports.join(', ')}`,
    `from transformers import ${tfImports.join(', ')}`,
    ...(trl ? ['from datasets import Dataset', 'from trl import SFTConfig, SFTTrainer'] : []),
  ];
  const constants = [
    `MODEL = ${pythonString(plan.model)}`,
    `REVISION = ${pythonLiteral(plan.revision ?? null)}`,
    `# the adapter to continue (None: a new one from PEFT_CONFIG)`,
    `ADAPTER = ${pythonLiteral(plan.adapter ?? null)}`,
    `# optimizer steps the continued run already did, and the whole run's steps (None: by epochs)`,
    `RESUME_STEP = ${plan.resumeStep}`,
    `TOTAL_STEPS = ${pythonLiteral(plan.totalSteps)}`,
    `TRAIN_FILE = ${pythonString(d.train)}`,
    `TRAIN_SPLIT = ${pythonString(d.split ?? 'train')}`,
    `EVAL_FILE = ${pythonLiteral(d.eval ?? null)}`,
    ...(d.evalIndices ? ['# the training records @peft held out for evaluation (eval_split)', `EVAL_INDICES = ${pythonLiteral(d.evalIndices)}`] : []),
    `FORMAT = ${pythonString(d.format)}`,
    `MAX_LENGTH = ${pythonLiteral(d.maxLength ?? null)}`,
    `COMPLETION_ONLY_LOSS = ${pythonLiteral(d.completionOnlyLoss)}`,
    `PACKING = ${pythonLiteral(d.packing)}`,
    `LABELS = ${pythonLiteral(d.labels ?? [])}`,
    'OUTPUT_DIR = os.environ.get("OUTPUT_DIR", str(Path(__file__).resolve().parent / "output"))',
    ...(plan.peftConfig ? ['', `PEFT_CONFIG = ${plan.peftConfig.className}(`, pythonKwargs(plan.peftConfig.kwargs, '    '), ')'] : []),
    '',
    'tokenizer = None  # set in main()',
  ];
  return `${[header.join('\n'), constants.join('\n'), pythonDataCode({ format: d.format, packing: d.packing }).trimEnd(), CONTINUED_SCHEDULE, mainFunction(plan, cls)].join('\n\n\n')}\n`;
}

function mainFunction(plan: ExportPlan, cls: string): string {
  const d = plan.data;
  const trl = plan.engine === 'trl';
  const q = plan.quantization;
  const modelKwargs = [
    'MODEL',
    'revision=REVISION',
    'dtype=torch.float32',
    ...(plan.task === 'SEQ_CLS' && d.labels ? ['num_labels=len(LABELS)', 'id2label=dict(enumerate(LABELS))', 'label2id={name: i for i, name in enumerate(LABELS)}'] : []),
    ...(q
      ? [
          `quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=${pythonString(q.quantType)}, bnb_4bit_use_double_quant=${pythonLiteral(q.doubleQuant)}, bnb_4bit_compute_dtype=torch.float32${q.skipModules ? `, llm_int8_skip_modules=${pythonLiteral(q.skipModules)}` : ''})`,
        ]
      : []),
  ];
  const ta = plan.trainingArguments;
  const argsClass = trl ? 'SFTConfig' : 'TrainingArguments';
  const trlArgs = trl
    ? [
        '        bf16=False,  # TRL defaults to bf16; @peft trained in float32',
        '        loss_type="nll",  # the token-mean cross-entropy @peft trains with',
        '        max_length=MAX_LENGTH,',
        '        packing=PACKING,',
        ...(d.format === 'prompt_completion' ? ['        completion_only_loss=COMPLETION_ONLY_LOSS,'] : []),
        ...(d.format === 'chat' ? ['        assistant_only_loss=COMPLETION_ONLY_LOSS,'] : []),
      ]
    : [];
  const dataset = (name: string): string => (trl ? `Dataset.from_list(${name})` : `prepare(${name})`);
  const lines = [
    `class ExportTrainer(ContinuedSchedule, ${trl ? 'SFTTrainer' : 'Trainer'}):`,
    '    pass',
    '',
    '',
    'def main():',
    '    global tokenizer',
    '    tokenizer = AutoTokenizer.from_pretrained(MODEL, revision=REVISION)',
    '    if tokenizer.pad_token is None:',
    '        tokenizer.pad_token = tokenizer.eos_token',
    `    set_seed(${ta.kwargs.get('seed') as number})  # the adapter's initialisation, as the Trainer seeds the rest`,
    `    model = ${cls}.from_pretrained(`,
    ...modelKwargs.map((k) => `        ${k},`),
    '    )',
    ...(plan.task === 'SEQ_CLS'
      ? ['    model.config.pad_token_id = tokenizer.pad_token_id']
      : ['    model.loss_type = "ForCausalLM"  # label tokens counted after the shift (GPT-2 leaves it unset), as @peft weighs a step']),
    ...(q ? [`    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=${pythonLiteral(ta.kwargs.get('gradient_checkpointing'))})`] : []),
    '    if ADAPTER is None:',
    ...(plan.peftConfig ? ['        model = get_peft_model(model, PEFT_CONFIG)'] : ['        raise ValueError("set ADAPTER, or export a config with a method")']),
    '    else:',
    '        model = PeftModel.from_pretrained(model, ADAPTER, is_trainable=True)',
    '    model.print_trainable_parameters()',
    '',
    '    train_records = read_records(TRAIN_FILE, TRAIN_SPLIT)',
    '    eval_records = read_records(EVAL_FILE, "validation") if EVAL_FILE else None',
    ...(d.evalIndices
      ? ['    held = set(EVAL_INDICES)', '    eval_records = [r for i, r in enumerate(train_records) if i in held]', '    train_records = [r for i, r in enumerate(train_records) if i not in held]']
      : []),
    `    train_dataset = ${dataset('train_records')}`,
    `    eval_dataset = ${dataset('eval_records')} if eval_records else None`,
    '',
    `    args = ${argsClass}(`,
    pythonKwargs(ta.kwargs, '        '),
    ...trlArgs,
    '    )',
    '    trainer = ExportTrainer(',
    '        model=model,',
    '        args=args,',
    '        train_dataset=train_dataset,',
    '        eval_dataset=eval_dataset,',
    ...(trl ? ['        processing_class=tokenizer,'] : ['        data_collator=collate,']),
    ...(ta.callbacks.length ? [`        callbacks=[${ta.callbacks.join(', ')}],`] : []),
    '    )',
    ...(plan.task === 'SEQ_CLS' ? ['    trainer.model_accepts_loss_kwargs = False  # a step averages its micro-batches, as @peft does'] : []),
    '    trainer.train()',
    '    if eval_dataset is not None:',
    '        trainer.evaluate()',
    '    if trainer.is_fsdp_enabled:',
    '        trainer.accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")',
    '    trainer.save_model(OUTPUT_DIR)  # adapter_config.json + adapter_model.safetensors',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
  ];
  return lines.join('\n');
}
