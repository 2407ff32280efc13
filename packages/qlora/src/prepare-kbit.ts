import { DTypeError, type Module } from '@peft/core';

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
}

/**
 * Readies a 4-bit model for adapter training, like PEFT's `prepare_model_for_kbit_training`: every
 * base parameter is frozen, and the parameters that stay in full precision (norms, the head,
 * embeddings, biases of quantised layers) must be float32 so the adapters train against float32
 * activations; a half-precision one is an error naming it (load the checkpoint in float32).
 * Call it after {@link quantizeModel} and before adding adapters.
 *
 * @example
 * ```ts
 * await quantizeModel(model);
 * prepareModelForKbitTraining(model);
 * const peft = await getPeftModel(model, loraConfig({ targetModules: 'all-linear' }));
 * ```
 */
export function prepareModelForKbitTraining(model: Module): PrepareReport {
  let frozen = 0;
  for (const [name, p] of model.namedParameters()) {
    if (p.dtype === 'f16') {
      throw new DTypeError(`prepareModelForKbitTraining: expected the full-precision parameters in f32, got ${name} in f16; load the model in float32`);
    }
    if (p.requiresGrad) frozen++;
    p.requiresGrad = false;
  }
  return { frozen };
}
