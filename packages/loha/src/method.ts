import { ConfigError, type Module } from '@peft/core';
import { isLinearLike, type LayerContext, type PeftMethod, loraFamilyTargets } from '@peft/core/plugin';
import { LOHA_SCHEMA, type LohaConfig } from './config.js';
import { LohaLinear } from './layer.js';

/**
 * Wraps a dense layer (Linear, GPT-2 Conv1D) in a new {@link LohaLinear} holding adapter `ctx.adapterName`.
 *
 * @example
 * ```ts
 * const layer = createLohaLayer(new Linear(32, 64), ctx);
 * ```
 */
export function createLohaLayer(base: Module, ctx: LayerContext<LohaConfig>): LohaLinear {
  if (!isLinearLike(base)) {
    throw new ConfigError(`loha: cannot wrap ${ctx.path}, a ${base.constructor.name} (LoHa supports Linear and Conv1D layers)`);
  }
  const layer = new LohaLinear(base);
  layer.addAdapter(ctx.adapterName, ctx);
  return layer;
}

/**
 * LoHa as a {@link PeftMethod} (`peft_type` "LOHA", state-dict prefix `hada_`): low-rank Hadamard
 * product adapters on Linear and GPT-2 Conv1D layers, with Hugging Face PEFT 0.21's names, defaults
 * and file format. Mergeable (core merges `deltaWeight`). Register it once, then use `getPeftModel` /
 * `PeftModel.fromPretrained` from `@peft/core`.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { loha, lohaConfig } from '@peft/loha';
 * registerMethod(loha);
 * const peft = await getPeftModel(model, lohaConfig({ r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 */
export const loha: PeftMethod<LohaConfig> = {
  peftType: 'LOHA',
  packageName: '@peft/loha',
  schema: LOHA_SCHEMA,
  defaultTargets: loraFamilyTargets,
  canWrap: (m) => isLinearLike(m),
  createLayer: createLohaLayer,
};
