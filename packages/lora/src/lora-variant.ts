import type { Parameter, Tensor } from '@peft/core';

/**
 * A change to plain LoRA for one adapter of one layer (DoRA is the one implemented). A layer holds
 * at most one variant object per adapter and defers to it for the adapter's forward and merge, so the
 * layer code has no per-variant branches.
 *
 * @example
 * ```ts
 * const variant: LoraVariant<LoraLinear> = new DoraLinearVariant();
 * variant.init(layer, 'default');
 * const y = variant.forward(layer, 'default', x, layer.baseLayer.forward(x));
 * ```
 */
export interface LoraVariant<L> {
  /** Creates the variant's own parameters for adapter `name`, from A and B as they are now. */
  init(layer: L, name: string): void;
  /** `result` (the base output plus earlier adapters) with adapter `name` applied. */
  forward(layer: L, name: string, x: Tensor, result: Tensor): Tensor;
  /** Writes adapter `name` into the base weight. */
  merge(layer: L, name: string): void;
  /** Takes adapter `name` back out of the base weight (after {@link LoraVariant.merge}). */
  unmerge(layer: L, name: string): void;
  /** Adapter `name`'s variant parameters by their saved names, relative to the layer. */
  state(layer: L, name: string): Map<string, Parameter>;
  /** Frees adapter `name`'s variant parameters. */
  remove(layer: L, name: string): void;
}

/**
 * What one LoRA adapter of a layer keeps besides its parameters: rank, alpha, output scaling, whether
 * `lora_B` has a bias, and its variant (DoRA), if any.
 *
 * @example
 * ```ts
 * const { r, scaling } = layer.settingsOf('default');
 * ```
 */
export interface LoraSettings<L> {
  /** The rank. */
  readonly r: number;
  /** `lora_alpha`. */
  readonly loraAlpha: number;
  /** `lora_alpha / r` (rsLoRA: `lora_alpha / √r`). */
  readonly scaling: number;
  /** Whether `lora_B` has a bias. */
  readonly loraBias: boolean;
  /** The adapter's variant (DoRA), if it has one. */
  readonly variant?: LoraVariant<L>;
}
