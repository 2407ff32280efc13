import { type ConfigOf, type ConfigOptions, TARGET_FIELDS, configField, defineConfig } from '@peft/core/plugin';

/**
 * The fields of VeRA's `adapter_config.json` as Hugging Face PEFT 0.21 writes them (`VeraConfig`), by
 * camelCase option name.
 *
 * @example
 * ```ts
 * VERA_FIELDS.r.defaultValue;               // 256
 * VERA_FIELDS.projectionPrngKey.key;        // 'projection_prng_key'
 * ```
 */
export const VERA_FIELDS = {
  r: configField.int('r', 256, { min: 1 }),
  ...TARGET_FIELDS,
  projectionPrngKey: configField.int('projection_prng_key', 0, { min: 0 }),
  saveProjection: configField.bool('save_projection', true),
  veraDropout: configField.float('vera_dropout', 0, { min: 0, max: 1 }),
  dInitial: configField.float('d_initial', 0.1),
  fanInFanOut: configField.bool('fan_in_fan_out', false),
  bias: configField.unsupported('bias', 'none', 'this VeRA example'),
  initWeights: configField.bool('init_weights', true),
  // stored for other tools, no effect here
  autoMapping: configField.json('auto_mapping', null),
};

/**
 * A VeRA adapter's configuration: Hugging Face PEFT's `VeraConfig` with camelCase names (`r`,
 * `targetModules`, `projectionPrngKey`, `saveProjection`, `veraDropout`, `dInitial`, `fanInFanOut`,
 * `initWeights`, …).
 *
 * @example
 * ```ts
 * const config: VeraConfig = veraConfig({ r: 16, targetModules: ['q_proj', 'v_proj'] });
 * config.saveProjection; // true
 * ```
 */
export type VeraConfig = ConfigOf<typeof VERA_FIELDS>;

/**
 * VeRA's config schema (`peft_type` "VERA"): makes configs from options, parses
 * `adapter_config.json` and writes it back with the keys Hugging Face PEFT 0.21 writes.
 *
 * @example
 * ```ts
 * const config = VERA_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * ```
 */
export const VERA_SCHEMA = defineConfig('VERA', 'vera', VERA_FIELDS);

/**
 * A VeRA config from camelCase options; anything not given takes Hugging Face PEFT's default (`r` 256,
 * `projectionPrngKey` 0, `saveProjection` true, `dInitial` 0.1, targets from the model type).
 *
 * @example
 * ```ts
 * const config = veraConfig({ r: 8, targetModules: ['c_attn'] });
 * ```
 */
export function veraConfig(options?: ConfigOptions<VeraConfig>): VeraConfig {
  return VERA_SCHEMA.create(options);
}
