import { ConfigError, type Module } from '@peft/core';
import { isLinearLike, type ExtraParameter, type ExtraParametersContext, type LayerContext, type PeftMethod } from '@peft/core/plugin';
import { VERA_SCHEMA, type VeraConfig } from './config.js';
import { VeraLinear } from './layer.js';

/**
 * Hugging Face PEFT's default VeRA targets by model type (`TRANSFORMERS_MODELS_TO_VERA_TARGET_MODULES_MAPPING`,
 * the families `@peft/models` ships).
 *
 * @example
 * ```ts
 * VERA_DEFAULT_TARGETS.llama; // ['q_proj', 'v_proj']
 * ```
 */
export const VERA_DEFAULT_TARGETS: Readonly<Record<string, readonly string[]>> = {
  gpt2: ['c_attn'],
  llama: ['q_proj', 'v_proj'],
  bert: ['query', 'value'],
};

/**
 * Wraps a dense layer in a new {@link VeraLinear} holding adapter `ctx.adapterName`.
 *
 * @example
 * ```ts
 * const layer = createVeraLayer(new Linear(32, 64), ctx);
 * ```
 */
export function createVeraLayer(base: Module, ctx: LayerContext<VeraConfig>): VeraLinear {
  if (!isLinearLike(base)) {
    throw new ConfigError(`vera: cannot wrap ${ctx.path}, a ${base.constructor.name} (VeRA supports Linear and Conv1D layers)`);
  }
  const layer = new VeraLinear(base);
  layer.addAdapter(ctx.adapterName, ctx);
  return layer;
}

/**
 * The stored config once the adapter is in place: `fan_in_fan_out` follows the wrapped modules, as
 * Hugging Face PEFT sets it (true for GPT-2's Conv1D), with a warning when it changes.
 *
 * @example
 * ```ts
 * adjustVeraConfig(config, [conv1d], console.warn).fanInFanOut; // true
 * ```
 */
export function adjustVeraConfig(config: VeraConfig, wrapped: readonly Module[], warn: (message: string) => void): VeraConfig {
  let fanInFanOut = config.fanInFanOut;
  for (const m of wrapped) {
    if (!isLinearLike(m) || m.fanInFanOut === fanInFanOut) continue;
    warn(`vera: fan_in_fan_out is ${fanInFanOut} but ${m.constructor.name} stores its weight ${m.fanInFanOut ? '[in, out]' : '[out, in]'}; setting fan_in_fan_out to ${m.fanInFanOut}`);
    fanInFanOut = m.fanInFanOut;
  }
  return fanInFanOut === config.fanInFanOut ? config : VERA_SCHEMA.create({ ...config, fanInFanOut });
}

/**
 * The adapter's shared projections as core's extra parameters: frozen, saved as `base_model.vera_A` /
 * `base_model.vera_B` when `save_projection` is on (the names Hugging Face PEFT uses), and loaded back
 * from a file that has them.
 *
 * @example
 * ```ts
 * [...veraProjectionParameters(ctx)].map((e) => e.savedName); // ['base_model.vera_A', 'base_model.vera_B']
 * ```
 */
export function veraProjectionParameters(ctx: ExtraParametersContext<VeraConfig>): ExtraParameter[] {
  const layer = [...ctx.layers.values()].find((l): l is VeraLinear => l instanceof VeraLinear);
  if (!layer) return [];
  const p = layer.projectionsOf(ctx.adapterName);
  const saved = ctx.config.saveProjection;
  return [
    { path: 'vera_A', savedName: 'base_model.vera_A', parameter: p.a, trainable: false, saved },
    { path: 'vera_B', savedName: 'base_model.vera_B', parameter: p.b, trainable: false, saved },
  ];
}

/**
 * VeRA as a {@link PeftMethod} (`peft_type` "VERA"), with Hugging Face PEFT 0.21's names, defaults and
 * file format. Register it once, then use `getPeftModel` / `PeftModel.fromPretrained` from `@peft/core`.
 *
 * @example
 * ```ts
 * import { registerMethod, getPeftModel } from '@peft/core';
 * import { vera, veraConfig } from 'peft-vera-example';
 * registerMethod(vera);
 * const peft = await getPeftModel(model, veraConfig({ r: 16 }));
 * ```
 */
export const vera: PeftMethod<VeraConfig> = {
  peftType: 'VERA',
  packageName: 'peft-vera-example',
  schema: VERA_SCHEMA,
  defaultTargets: (modelType) => VERA_DEFAULT_TARGETS[modelType],
  canWrap: (m) => isLinearLike(m),
  createLayer: createVeraLayer,
  adjustConfig: adjustVeraConfig,
  extraParameters: veraProjectionParameters,
};
