import { ArgumentError } from '../errors.js';
import type { Module } from './module.js';

/**
 * A module whose layer stack can run under gradient checkpointing (GPT-2's, LLaMA's and BERT's
 * bodies): with `gradientCheckpointing` on, each layer keeps only its input for backward and
 * recomputes the rest there (see `checkpoint` from `@peft/core`).
 *
 * @example
 * ```ts
 * class Body extends Module implements GradientCheckpointable {
 *   readonly supportsGradientCheckpointing = true;
 *   gradientCheckpointing = false;
 * }
 * ```
 */
export interface GradientCheckpointable {
  /** Marks the module as one that honours {@link GradientCheckpointable.gradientCheckpointing}. */
  readonly supportsGradientCheckpointing: true;
  /** Whether its layers run under `checkpoint` when gradients are recorded. */
  gradientCheckpointing: boolean;
}

/**
 * Whether `m` implements {@link GradientCheckpointable}.
 *
 * @example
 * ```ts
 * [...model.modules()].some(isGradientCheckpointable); // true for the models of @peft/models
 * ```
 */
export function isGradientCheckpointable(m: Module): m is Module & GradientCheckpointable {
  return (m as Partial<GradientCheckpointable>).supportsGradientCheckpointing === true;
}

/**
 * Turns gradient checkpointing on (or off) for every layer stack of `model` (transformers'
 * `gradient_checkpointing_enable`): training then keeps one hidden state per layer instead of every
 * intermediate, and recomputes each layer during backward; gradients are unchanged. It applies to
 * forwards that record gradients and carry no KV cache. Returns how many stacks were switched; a model
 * with none is an error when enabling.
 *
 * @example
 * ```ts
 * setGradientCheckpointing(peftModel); // before training
 * setGradientCheckpointing(peftModel, false);
 * ```
 */
export function setGradientCheckpointing(model: Module, enabled = true): number {
  let count = 0;
  for (const m of model.modules()) {
    if (!isGradientCheckpointable(m)) continue;
    m.gradientCheckpointing = enabled;
    count++;
  }
  if (enabled && count === 0) {
    throw new ArgumentError(
      `setGradientCheckpointing: expected a model with a layer stack that supports gradient checkpointing (GPT-2, LLaMA, BERT), got ${model.constructor.name} with none`,
    );
  }
  return count;
}
