import type { Parallelism } from './accelerate-config.js';
import type { ExportPlan } from './train-script.js';

/**
 * The README.md of an exported project: what it reproduces, how to install and launch it, where the
 * adapter goes, how to bring it back to @peft, and what did not carry over.
 *
 * @example
 * ```ts
 * projectReadme(plan, { kind: 'ddp' }, 2);
 * ```
 */
export function projectReadme(plan: ExportPlan, parallelism: Parallelism, numProcesses: number): string {
  const how = parallelism.kind === 'ddp' ? 'data parallel (DDP): every GPU holds the whole model' : parallelism.kind === 'fsdp' ? 'FSDP: parameters, gradients and optimizer state sharded across the GPUs' : `DeepSpeed ZeRO-${parallelism.stage}`;
  const start = plan.adapter ? `continues the adapter in \`${plan.adapter}\`${plan.resumeStep ? ` from step ${plan.resumeStep} of ${plan.totalSteps ?? 'the run'} (the learning-rate schedule goes on from there; AdamW's moments start afresh)` : ''}` : `trains a new ${plan.peftConfig?.className ?? ''} adapter`;
  return `# ${plan.configLabel}, exported from @peft

\`train.py\` ${start} on \`${plan.model}\` with transformers + PEFT${plan.engine === 'trl' ? ' + TRL (SFTTrainer)' : ' (Trainer)'}, with the data and
hyperparameters of \`${plan.configLabel}\`. \`accelerate.yaml\`: ${numProcesses} process(es), ${how}.

    pip install -r requirements.txt
    accelerate launch --config_file accelerate.yaml train.py

Other machines: \`accelerate launch --num_processes 8 --config_file accelerate.yaml train.py\`;
on CPUs only (a smoke test, two processes over gloo):
\`ACCELERATE_USE_CPU=true accelerate launch --multi_gpu --num_processes 2 train.py\`.
\`per_device_train_batch_size\` is per process, so N processes train on N times the examples per step.

The adapter is saved to \`output/\` (or \`$OUTPUT_DIR\`), checkpoints to \`output/checkpoint-<step>/\`.
Back in @peft:

    peft generate --model ${plan.model} --adapter output --prompt "…"
    peft train --config ${plan.configLabel} --method null --adapter output/checkpoint-<step>

${plan.notMapped.length ? `Settings with no equal here (also listed at the top of train.py):\n\n${plan.notMapped.map((n) => `- ${n}`).join('\n')}\n` : 'Every setting of the config is applied.\n'}`;
}
