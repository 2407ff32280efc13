import { type ConfigOf, type ConfigOptions, TARGET_FIELDS, configField, defineConfig } from '@peft/core/plugin';

/**
 * The fields of LoHa's `adapter_config.json` as Hugging Face PEFT 0.21 writes them (`LoHaConfig`), by
 * camelCase option name. `use_effective_conv2d` only changes convolution layers, which this package
 * does not wrap, so only its default (false) is accepted.
 *
 * @example
 * ```ts
 * LOHA_FIELDS.alpha.key; // 'alpha'
 * ```
 */
export const LOHA_FIELDS = {
  ...TARGET_FIELDS,
  r: configField.int('r', 8, { min: 1 }),
  alpha: configField.number('alpha', 8),
  rankDropout: configField.float('rank_dropout', 0, { min: 0, max: 1 }),
  moduleDropout: configField.float('module_dropout', 0, { min: 0, max: 1 }),
  initWeights: configField.bool('init_weights', true),
  rankPattern: configField.pattern('rank_pattern', { int: true }),
  alphaPattern: configField.pattern('alpha_pattern'),
  // stored for other tools, no effect here
  autoMapping: configField.json('auto_mapping', null),
  // convolution layers only (not wrapped by this package)
  useEffectiveConv2d: configField.unsupported('use_effective_conv2d', false, '@peft/loha (it wraps no convolution layers)'),
};

/**
 * A LoHa adapter's configuration: Hugging Face PEFT's `LoHaConfig` with camelCase names (`r`, `alpha`,
 * `rankDropout`, `moduleDropout`, `initWeights`, `targetModules`, `rankPattern`, `alphaPattern`, …).
 *
 * @example
 * ```ts
 * const config: LohaConfig = lohaConfig({ r: 8, alpha: 16, targetModules: ['q_proj', 'v_proj'] });
 * config.rankDropout; // 0
 * ```
 */
export type LohaConfig = ConfigOf<typeof LOHA_FIELDS>;

/**
 * LoHa's config schema (`peft_type` "LOHA"): creates configs from options, parses `adapter_config.json`
 * (unknown keys are reported through `warn`) and writes every key PEFT 0.21 writes.
 *
 * @example
 * ```ts
 * const config = LOHA_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * const json = LOHA_SCHEMA.toJson(config); // Map of snake_case keys
 * ```
 */
export const LOHA_SCHEMA = defineConfig('LOHA', 'loha', LOHA_FIELDS);

/**
 * A LoHa config from camelCase options; anything not given takes PEFT's default (`r` 8, `alpha` 8,
 * no dropout, `initWeights` true: the adapter starts as a no-op).
 *
 * @example
 * ```ts
 * const config = lohaConfig({ r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'], rankDropout: 0.1 });
 * ```
 */
export function lohaConfig(options?: ConfigOptions<LohaConfig>): LohaConfig {
  return LOHA_SCHEMA.create(options);
}
