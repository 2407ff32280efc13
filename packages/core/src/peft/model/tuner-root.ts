import type { PretrainedModel } from '../../models/pretrained-model.js';
import { Module } from '../../nn/module.js';

/**
 * Holds the base model under the name `model`, so parameters are named `base_model.model.…` as in
 * Hugging Face PEFT (whose LoRA model plays this part).
 *
 * @example
 * ```ts
 * peft.base_model.model === peft.model; // true
 * ```
 */
export class TunerRoot extends Module {
  constructor(readonly model: PretrainedModel) {
    super();
    this.registerModule('model', model);
  }
}
