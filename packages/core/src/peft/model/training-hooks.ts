import type { Tensor } from '../../tensor.js';
import type { AdapterLayer } from '../method/adapter-layer.js';
import type { PeftConfig } from '../method/config-schema.js';
import type { PeftModel } from './peft-model.js';

/**
 * What a method's {@link PeftMethod.trainingHooks} is given when adapter `adapterName` is added: the
 * PeftModel, the adapter's name and config, the layers holding it by path, and a way to replace the
 * stored config (AdaLoRA writes the final `rank_pattern` into it, so the saved file records it).
 *
 * @example
 * ```ts
 * trainingHooks: (ctx) => ({ afterOptimizerStep: (step) => allocate(ctx.layers, step) })
 * ```
 */
export interface TrainingHooksContext<C extends PeftConfig = PeftConfig> {
  readonly model: PeftModel;
  readonly adapterName: string;
  /** The adapter's config as stored now (read it again after {@link TrainingHooksContext.updateConfig}). */
  config(): C;
  readonly layers: ReadonlyMap<string, AdapterLayer>;
  /** Replaces the adapter's stored (and saved) config. */
  updateConfig(next: C): void;
}

/**
 * Per-adapter behaviour a method needs during training, run by {@link PeftModel} and the trainer so
 * that users cannot forget it: AdaLoRA's orthogonal regulariser and its rank allocation after every
 * optimizer step. Hooks run only while the adapter is active and trainable.
 *
 * @example
 * ```ts
 * const hooks: AdapterTrainingHooks = {
 *   regularizer: () => orthogonality(layers).mul(0.5),
 *   afterOptimizerStep: async (step) => allocator.update(step),
 * };
 * ```
 */
export interface AdapterTrainingHooks {
  /**
   * A term added to the model's loss by {@link PeftModel.forward} whenever labels are given
   * (undefined: nothing to add); `mode.training` says whether the model is in training mode, for a
   * term that belongs to training only (AdaLoRA's is added in both modes, as Python PEFT does). Called
   * inside the caller's autograd scope, so it is differentiated with the loss.
   */
  regularizer?(mode: { readonly training: boolean }): Tensor | undefined;
  /**
   * Runs after optimizer step `step` (counted from 0) and before the gradients are cleared, so it may
   * read them. Trainers await it; call {@link PeftModel.afterOptimizerStep} in a hand-written loop.
   */
  afterOptimizerStep?(step: number): void | Promise<void>;
  /** State the hook keeps between steps (moving averages), saved in training checkpoints. */
  stateDict?(): Map<string, Tensor>;
  /** Restores {@link AdapterTrainingHooks.stateDict}'s state (a resumed run continues identically). */
  loadStateDict?(state: ReadonlyMap<string, Tensor>): void;
  /** Frees the hook's tensors (the adapter was deleted). */
  dispose?(): void;
}
