import { ConfigError, type ModelInfo, type Module } from '@peft/core';
import { isLinearLike, type LayerContext, type PeftMethod } from '@peft/core/plugin';
import { IA3_SCHEMA, type IA3Config } from './config.js';
import { ia3DefaultFeedforward, ia3DefaultTargets } from './default-targets.js';
import { Ia3Linear } from './layer.js';
import { addWeightedIa3Adapter } from './weighted-adapter.js';

/**
 * Wraps a dense layer (`Linear`, GPT-2's `Conv1D`, any `LinearLike` module) in a new
 * {@link Ia3Linear} holding adapter `ctx.adapterName`.
 *
 * @example
 * ```ts
 * const layer = createIa3Layer(new Linear(32, 64), ctx); // an Ia3Linear
 * ```
 */
export function createIa3Layer(base: Module, ctx: LayerContext<IA3Config>): Ia3Linear {
  if (!isLinearLike(base)) {
    throw new ConfigError(`ia3: cannot wrap ${ctx.path}, a ${base.constructor.name} ((IA)³ supports Linear and Conv1D layers)`);
  }
  const layer = new Ia3Linear(base);
  layer.addAdapter(ctx.adapterName, ctx);
  return layer;
}

/**
 * The stored config once the adapter is in place: `fan_in_fan_out` set as Hugging Face PEFT sets it
 * module by module (true for a Conv1D target, false for a Linear one; the last wrapped module decides,
 * with a warning when it changes the value).
 *
 * @example
 * ```ts
 * const stored = adjustIa3Config(config, [conv1d], console.warn); // fanInFanOut: true
 * ```
 */
export function adjustIa3Config(config: IA3Config, wrapped: readonly Module[], warn: (message: string) => void): IA3Config {
  let fanInFanOut = config.fanInFanOut;
  for (const m of wrapped) {
    if (!isLinearLike(m) || m.fanInFanOut === fanInFanOut) continue;
    warn(
      m.fanInFanOut
        ? 'ia3: fan_in_fan_out is false but a target module is a Conv1D (weight stored [in, out]); setting fan_in_fan_out to true'
        : 'ia3: fan_in_fan_out is true but a target module is a Linear (weight stored [out, in]); setting fan_in_fan_out to false',
    );
    fanInFanOut = m.fanInFanOut;
  }
  return fanInFanOut === config.fanInFanOut ? config : IA3_SCHEMA.create({ ...config, fanInFanOut });
}

/**
 * Fills in `feedforward_modules` from the model type when the config has none (Hugging Face PEFT does
 * this even when `target_modules` was given), before any layer is made. A model type without known
 * feed-forward modules is a ConfigError, as in PEFT.
 *
 * @example
 * ```ts
 * prepareIa3Config(ia3Config({ targetModules: ['c_attn', 'mlp.c_proj'] }), model.info).feedforwardModules; // ['mlp.c_proj']
 * ```
 */
export function prepareIa3Config(config: IA3Config, info: ModelInfo): IA3Config {
  if (config.feedforwardModules !== null) return config;
  const defaults = ia3DefaultFeedforward(info.modelType);
  if (!defaults) {
    throw new ConfigError(
      `ia3: feedforward_modules is required for model type "${info.modelType}" (no default feed-forward modules are known for it); pass feedforwardModules, e.g. ['down_proj'] or []`,
    );
  }
  return IA3_SCHEMA.create({ ...config, feedforwardModules: [...defaults] });
}

/**
 * (IA)³ as a {@link PeftMethod} (`peft_type` "IA3"): learned vectors that rescale the outputs of
 * targeted Linear / Conv1D layers, or the inputs of the feed-forward ones, with Hugging Face PEFT
 * 0.21's names, defaults and file format. Register it once, then use `getPeftModel` /
 * `PeftModel.fromPretrained` from `@peft/core`.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { ia3, ia3Config } from '@peft/ia3';
 * registerMethod(ia3);
 * const peft = await getPeftModel(model, ia3Config({ targetModules: ['k_proj', 'v_proj', 'down_proj'], feedforwardModules: ['down_proj'] }));
 * ```
 */
export const ia3: PeftMethod<IA3Config> = {
  peftType: 'IA3',
  packageName: '@peft/ia3',
  schema: IA3_SCHEMA,
  defaultTargets: ia3DefaultTargets,
  canWrap: (m) => isLinearLike(m),
  createLayer: createIa3Layer,
  adjustConfig: adjustIa3Config,
  addWeightedAdapter: addWeightedIa3Adapter,
  prepareConfig: prepareIa3Config,
};
