import type { Module } from '@peft/core';
import type { LayerContext, PeftMethod } from '@peft/core/plugin';
import { BITFIT_SCHEMA, type BitFitConfig } from './config.js';
import { bitfitDefaultTargets } from './default-targets.js';
import { BitFitLayer, moduleBias } from './layer.js';

/**
 * Wraps a module with a bias in a new {@link BitFitLayer} holding adapter `ctx.adapterName`.
 *
 * @example
 * ```ts
 * const layer = createBitFitLayer(model.getModule('transformer.h.0.ln_1'), ctx);
 * ```
 */
export function createBitFitLayer(base: Module, ctx: LayerContext<BitFitConfig>): BitFitLayer {
  const layer = new BitFitLayer(base);
  layer.addAdapter(ctx.adapterName, ctx);
  return layer;
}

/**
 * BitFit as a {@link PeftMethod} (`peft_type` "BITFIT"): trains only bias terms (of every module
 * with a bias, or of those `target_modules` selects), optionally with modules trained whole such as a
 * new classification head, and saves only the trained biases under the base model's own names.
 * Register it once, then use `getPeftModel` / `PeftModel.fromPretrained` from `@peft/core`.
 *
 * @example
 * ```ts
 * import { getPeftModel, registerMethod } from '@peft/core';
 * import { bitfit, bitfitConfig } from '@peft/bitfit';
 * registerMethod(bitfit);
 * const peft = await getPeftModel(bert, bitfitConfig({ taskType: 'SEQ_CLS' }));
 * ```
 */
export const bitfit: PeftMethod<BitFitConfig> = {
  peftType: 'BITFIT',
  packageName: '@peft/bitfit',
  schema: BITFIT_SCHEMA,
  defaultTargets: bitfitDefaultTargets,
  canWrap: (m) => moduleBias(m) !== undefined,
  createLayer: createBitFitLayer,
};
