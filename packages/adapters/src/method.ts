import type { ModelInfo, Module } from '@peft/core';
import type { LayerContext, PeftMethod } from '@peft/core/plugin';
import { BOTTLENECK_SCHEMA, type BottleneckConfig } from './config.js';
import { bottleneckDefaultTargets } from './default-targets.js';
import { BottleneckLayer, streamFeatures } from './layer.js';

/**
 * Wraps `base` in a new {@link BottleneckLayer} holding adapter `ctx.adapterName`.
 *
 * @example
 * ```ts
 * const layer = createBottleneckLayer(model.getModule('transformer.h.0.mlp.c_proj'), ctx);
 * ```
 */
export function createBottleneckLayer(base: Module, ctx: LayerContext<BottleneckConfig>): BottleneckLayer {
  const layer = new BottleneckLayer(base);
  layer.addAdapter(ctx.adapterName, ctx);
  return layer;
}

/**
 * Fills in `target_modules` from the model type and the placement when the config has none (the table
 * in `BOTTLENECK_DEFAULT_TARGETS`); a model type without defaults keeps null, and core then asks for
 * `target_modules`.
 *
 * @example
 * ```ts
 * prepareBottleneckConfig(bottleneckConfig({ config: 'houlsby' }), model.info).targetModules; // ['c_proj'] on GPT-2
 * ```
 */
export function prepareBottleneckConfig(config: BottleneckConfig, info: ModelInfo): BottleneckConfig {
  if (config.targetModules !== null) return config;
  const targets = bottleneckDefaultTargets(info.modelType, config.config);
  if (targets === undefined) return config;
  return BOTTLENECK_SCHEMA.create({ ...config, targetModules: typeof targets === 'string' ? targets : [...targets] });
}

/**
 * Bottleneck adapters as a {@link PeftMethod} (`peft_type` "BOTTLENECK"): Houlsby (after the attention
 * output and after the MLP), Pfeiffer (after the MLP) and parallel (beside the MLP) adapters, each a
 * down-projection, an activation and an up-projection with a residual. Register it once, then use
 * `getPeftModel` / `PeftModel.fromPretrained` from `@peft/core`.
 *
 * @example
 * ```ts
 * import { getPeftModel, registerMethod } from '@peft/core';
 * import { bottleneck, bottleneckConfig } from '@peft/adapters';
 * registerMethod(bottleneck);
 * const peft = await getPeftModel(model, bottleneckConfig({ config: 'houlsby', reductionFactor: 16 }));
 * ```
 */
export const bottleneck: PeftMethod<BottleneckConfig> = {
  peftType: 'BOTTLENECK',
  packageName: '@peft/adapters',
  schema: BOTTLENECK_SCHEMA,
  prepareConfig: prepareBottleneckConfig,
  canWrap: (m) => streamFeatures(m) !== undefined,
  createLayer: createBottleneckLayer,
};
