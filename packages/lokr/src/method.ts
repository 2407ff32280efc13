import { ConfigError, type Module } from '@peft/core';
import { isLinearLike, type LayerContext, type PeftMethod, loraFamilyTargets } from '@peft/core/plugin';
import { LOKR_SCHEMA, type LokrConfig } from './config.js';
import { LokrLinear } from './layer.js';

/**
 * Wraps a dense layer (Linear, GPT-2 Conv1D) in a new {@link LokrLinear} holding adapter `ctx.adapterName`.
 *
 * @example
 * ```ts
 * const layer = createLokrLayer(new Linear(32, 64), ctx);
 * ```
 */
export function createLokrLayer(base: Module, ctx: LayerContext<LokrConfig>): LokrLinear {
  if (!isLinearLike(base)) {
    throw new ConfigError(`lokr: cannot wrap ${ctx.path}, a ${base.constructor.name} (LoKr supports Linear and Conv1D layers)`);
  }
  const layer = new LokrLinear(base);
  layer.addAdapter(ctx.adapterName, ctx);
  return layer;
}

/**
 * LoKr as a {@link PeftMethod} (`peft_type` "LOKR", state-dict prefix `lokr_`): low-rank Kronecker
 * product adapters on Linear and GPT-2 Conv1D layers, with Hugging Face PEFT 0.21's names, defaults,
 * factorisation rule and file format. Mergeable (core merges `deltaWeight`). Register it once, then
 * use `getPeftModel` / `PeftModel.fromPretrained` from `@peft/core`.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { lokr, lokrConfig } from '@peft/lokr';
 * registerMethod(lokr);
 * const peft = await getPeftModel(model, lokrConfig({ r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 */
export const lokr: PeftMethod<LokrConfig> = {
  peftType: 'LOKR',
  packageName: '@peft/lokr',
  schema: LOKR_SCHEMA,
  defaultTargets: loraFamilyTargets,
  canWrap: (m) => isLinearLike(m),
  createLayer: createLokrLayer,
};
