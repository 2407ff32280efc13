import { DTypeError, type Module, setGradientCheckpointing } from '@peft/core';
import { isGradientCheckpointable } from '@peft/core/plugin';

/**
 * What {@link prepareModelForKbitTraining} changed.
 *
 * @example
 * ```ts
 * console.log(`${r.frozen} tensors frozen`);
 * ```
 */
export interface PrepareReport {
  /** Parameters that were trainable and are now frozen. */
  readonly frozen: number;
  /** Whether gradient checkpointing is now on for the model's layer stacks. */
  readonly gradientCheckpointing: boolean;
}

/**
 * Options of {@link prepareModelForKbitTraining}.
 *
 * @example
 * ```ts
 * prepareModelForKbitTraining(model, { gradientCheckpointing: false });
 * ```
 */
export interface PrepareKbitOptions {
  /**
   * Recompute each layer in backward instead of keeping its activations (PEFT's
   * `use_gradient_checkpointing`, on by default as there). Left as requested when the model has no
   * layer stack that supports it and the option was not given; asked for explicitly on such a model,
   * it is an error.
   */
  readonly gradientCheckpointing?: boolean;
}

/**
 * Readies a 4-bit model for adapter training, like PEFT's `prepare_model_for_kbit_training`: every
 * base parameter is frozen, and the parameters that stay in full precision (norms, the head,
 * embeddings, biases of quantised layers) must be float32 so the adapters train against float32
 * activations; a half-precision one is an error naming it (load the checkpoint in float32). Gradient
 * checkpointing is switched on (core's `setGradientCheckpointing`) unless
 * `gradientCheckpointing: false`: activations then cost one hidden state per layer, the price QLoRA
 * pays to fit, for about one extra forward per step. Call it after {@link quantizeModel} and before
 * adding adapters.
 *
 * @example
 * ```ts
 * await quantizeModel(model);
 * prepareModelForKbitTraining(model);
 * const peft = await getPeftModel(model, loraConfig({ targetModules: 'all-linear' }));
 * ```
 */
export function prepareModelForKbitTraining(model: Module, opts: PrepareKbitOptions = {}): PrepareReport {
  let frozen = 0;
  for (const [name, p] of model.namedParameters()) {
    if (p.dtype === 'f16') {
      throw new DTypeError(`prepareModelForKbitTraining: expected the full-precision parameters in f32, got ${name} in f16; load the model in float32`);
    }
    if (p.requiresGrad) frozen++;
    p.requiresGrad = false;
  }
  const supported = [...model.modules()].some(isGradientCheckpointable);
  const gradientCheckpointing = opts.gradientCheckpointing ?? supported;
  if (gradientCheckpointing || supported) setGradientCheckpointing(model, gradientCheckpointing);
  return { frozen, gradientCheckpointing };
}
