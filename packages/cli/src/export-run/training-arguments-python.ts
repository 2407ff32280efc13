import type { TrainingArgs } from '@peft/train';
import { PythonCode } from './python-literal.js';

/**
 * A run's hyperparameters as Hugging Face `TrainingArguments` keyword arguments, the callbacks the
 * Trainer needs for the rest, and the settings Python has no equal for (each with why).
 *
 * @example
 * ```ts
 * const { kwargs, unmapped } = pythonTrainingArguments(cfg.args, { hasEval: true, byEpochs: false });
 * ```
 */
export interface PythonTrainingArguments {
  /** `TrainingArguments(...)` keywords, in a readable order. */
  readonly kwargs: ReadonlyMap<string, unknown>;
  /** Python expressions of `TrainerCallback`s to pass to the Trainer (early stopping). */
  readonly callbacks: readonly string[];
  /** `key: value (why)` for each setting with no TrainingArguments equal. */
  readonly unmapped: readonly string[];
}

/**
 * Maps {@link TrainingArgs} to `TrainingArguments`: the names are the same, and so are the meanings,
 * except where @peft's choices for small runs need spelling out: `eval_steps: 0` (evaluate at the end
 * only) becomes `eval_strategy="no"` with an evaluation after training in the script; `save_steps: 0`
 * becomes `save_strategy="no"`; `max_grad_norm: null` becomes 0 (no clipping); early stopping becomes
 * transformers' `EarlyStoppingCallback`, which needs evaluations and saves on the same steps and
 * `load_best_model_at_end`; `warmup_ratio` becomes a fractional `warmup_steps` (transformers 5's
 * spelling). Unless the run goes `byEpochs`, `max_steps` is written as `TOTAL_STEPS - RESUME_STEP`, names train.py defines, so that a
 * continued run does only the steps left (its schedule is shifted in train.py), and `output_dir` as
 * train.py's `OUTPUT_DIR`. `shuffle: false` has no equal (the Trainer always
 * shuffles) and is reported in `unmapped`.
 *
 * @example
 * ```ts
 * pythonTrainingArguments(resolveTrainingArgs({ learningRate: 1e-3 }), { hasEval: false, byEpochs: false }).kwargs.get('learning_rate'); // 0.001
 * ```
 */
export function pythonTrainingArguments(args: TrainingArgs, opts: { hasEval: boolean; byEpochs: boolean }): PythonTrainingArguments {
  const kw = new Map<string, unknown>();
  const unmapped: string[] = [];
  const callbacks: string[] = [];
  kw.set('output_dir', new PythonCode('OUTPUT_DIR'));
  kw.set('learning_rate', args.learningRate);
  kw.set('per_device_train_batch_size', args.perDeviceTrainBatchSize);
  kw.set('per_device_eval_batch_size', args.perDeviceEvalBatchSize);
  kw.set('gradient_accumulation_steps', args.gradientAccumulationSteps);
  if (!opts.byEpochs) kw.set('max_steps', new PythonCode('TOTAL_STEPS - RESUME_STEP'));
  else kw.set('num_train_epochs', args.numTrainEpochs);
  kw.set('weight_decay', args.weightDecay);
  kw.set('adam_beta1', args.adamBeta1);
  kw.set('adam_beta2', args.adamBeta2);
  kw.set('adam_epsilon', args.adamEpsilon);
  kw.set('optim', 'adamw_torch');
  kw.set('lr_scheduler_type', args.lrSchedulerType);
  // transformers 5 reads a warmup_steps below 1 as a fraction of the steps (its warmup_ratio)
  kw.set('warmup_steps', args.warmupSteps > 0 || args.warmupRatio === 0 ? args.warmupSteps : Math.min(args.warmupRatio, 0.999999));
  if (args.warmupSteps === 0 && args.warmupRatio === 1) unmapped.push('warmup_ratio: 1 (written as 0.999999: transformers reads a warmup_steps of 1 as one step)');
  kw.set('max_grad_norm', args.maxGradNorm ?? 0);
  kw.set('gradient_checkpointing', args.gradientCheckpointing);
  kw.set('seed', args.seed);
  kw.set('logging_steps', args.loggingSteps);
  const early = args.earlyStoppingPatience > 0 && opts.hasEval;
  if (opts.hasEval && (args.evalSteps > 0 || early)) {
    kw.set('eval_strategy', 'steps');
    kw.set('eval_steps', args.evalSteps > 0 ? args.evalSteps : args.loggingSteps);
  } else {
    kw.set('eval_strategy', 'no');
  }
  if (early) {
    // transformers' early stopping compares checkpoints: saves on the evaluation steps, best kept
    kw.set('save_strategy', 'steps');
    kw.set('save_steps', kw.get('eval_steps'));
    kw.set('load_best_model_at_end', true);
    kw.set('metric_for_best_model', 'eval_loss');
    kw.set('greater_is_better', false);
    callbacks.push(`EarlyStoppingCallback(early_stopping_patience=${args.earlyStoppingPatience}, early_stopping_threshold=${args.earlyStoppingThreshold})`);
  } else {
    kw.set('save_strategy', args.saveSteps > 0 ? 'steps' : 'no');
    if (args.saveSteps > 0) kw.set('save_steps', args.saveSteps);
    if (args.earlyStoppingPatience > 0) unmapped.push(`early_stopping_patience: ${args.earlyStoppingPatience} (no evaluation data, so nothing to stop on)`);
  }
  if (args.saveTotalLimit !== null) kw.set('save_total_limit', args.saveTotalLimit);
  kw.set('report_to', 'none');
  if (!args.shuffle) unmapped.push('shuffle: false (the Trainer always shuffles the training data; it has no setting to turn that off)');
  return { kwargs: kw, callbacks, unmapped };
}
