/**
 * How the exported run is spread over GPUs: plain data parallel (every GPU holds the whole model),
 * FSDP (parameters, gradients and optimizer state sharded across GPUs), or DeepSpeed ZeRO stage 2
 * (optimizer state and gradients sharded) or 3 (parameters too).
 *
 * @example
 * ```ts
 * const p: Parallelism = { kind: 'deepspeed', stage: 3 };
 * ```
 */
export type Parallelism = { readonly kind: 'ddp' } | { readonly kind: 'fsdp' } | { readonly kind: 'deepspeed'; readonly stage: 2 | 3 };

/**
 * The `accelerate` config file (`accelerate launch --config_file accelerate.yaml train.py`) for
 * `numProcesses` GPUs on one machine. Full precision (`mixed_precision: 'no'`), as @peft trains in
 * float32. FSDP shards whole transformer blocks (`TRANSFORMER_BASED_WRAP`) with sharded checkpoints
 * and `fsdp_use_orig_params: false`, as PEFT's own FSDP examples; DeepSpeed takes the run's gradient
 * accumulation and clipping so the two configs agree (the Trainer checks that they do).
 *
 * @example
 * ```ts
 * accelerateConfigYaml({ kind: 'fsdp' }, { numProcesses: 8, gradientAccumulationSteps: 1, maxGradNorm: 1 });
 * ```
 */
export function accelerateConfigYaml(parallelism: Parallelism, opts: { numProcesses: number; gradientAccumulationSteps: number; maxGradNorm: number | null }): string {
  const lines = ['# accelerate launch --config_file accelerate.yaml train.py', 'compute_environment: LOCAL_MACHINE', 'debug: false'];
  if (parallelism.kind === 'ddp') {
    lines.push(`distributed_type: ${opts.numProcesses > 1 ? 'MULTI_GPU' : 'NO'}`);
  } else if (parallelism.kind === 'fsdp') {
    lines.push(
      'distributed_type: FSDP',
      'fsdp_config:',
      '  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP',
      '  fsdp_backward_prefetch: BACKWARD_PRE',
      '  fsdp_cpu_ram_efficient_loading: true',
      '  fsdp_forward_prefetch: false',
      '  fsdp_offload_params: false',
      '  fsdp_sharding_strategy: FULL_SHARD',
      '  fsdp_state_dict_type: SHARDED_STATE_DICT',
      '  fsdp_sync_module_states: true',
      '  fsdp_use_orig_params: false',
    );
  } else {
    lines.push(
      'distributed_type: DEEPSPEED',
      'deepspeed_config:',
      '  deepspeed_multinode_launcher: standard',
      `  gradient_accumulation_steps: ${opts.gradientAccumulationSteps}`,
      `  gradient_clipping: ${opts.maxGradNorm ?? 0}`,
      '  offload_optimizer_device: none',
      '  offload_param_device: none',
      `  zero_stage: ${parallelism.stage}`,
      ...(parallelism.stage === 3 ? ['  zero3_init_flag: true', '  zero3_save_16bit_model: true'] : ['  zero3_init_flag: false']),
    );
  }
  lines.push(
    'downcast_bf16: "no"',
    'machine_rank: 0',
    'main_training_function: main',
    "mixed_precision: 'no'",
    'num_machines: 1',
    `num_processes: ${opts.numProcesses}`,
    'rdzv_backend: static',
    'same_network: true',
    'use_cpu: false',
  );
  return `${lines.join('\n')}\n`;
}
