import { ConfigError } from '@peft/core';
import { type ConfigOf, type ConfigOptions, TARGET_FIELDS, configField, defineConfig } from '@peft/core/plugin';

/**
 * The fields of LoKr's `adapter_config.json` as Hugging Face PEFT 0.21 writes them (`LoKrConfig`), by
 * camelCase option name. `use_effective_conv2d` only changes convolution layers, which this package
 * does not wrap, so only its default (false) is accepted.
 *
 * @example
 * ```ts
 * LOKR_FIELDS.decomposeFactor.defaultValue; // -1
 * ```
 */
export const LOKR_FIELDS = {
  ...TARGET_FIELDS,
  r: configField.int('r', 8, { min: 1 }),
  alpha: configField.number('alpha', 8),
  rankDropout: configField.float('rank_dropout', 0, { min: 0, max: 1 }),
  moduleDropout: configField.float('module_dropout', 0, { min: 0, max: 1 }),
  rankDropoutScale: configField.bool('rank_dropout_scale', false),
  decomposeBoth: configField.bool('decompose_both', false),
  decomposeFactor: configField.int('decompose_factor', -1),
  initWeights: configField.choice<boolean | 'lycoris'>('init_weights', [true, false, 'lycoris'], true),
  rankPattern: configField.pattern('rank_pattern', { int: true }),
  alphaPattern: configField.pattern('alpha_pattern'),
  // stored for other tools, no effect here
  autoMapping: configField.json('auto_mapping', null),
  // convolution layers only (not wrapped by this package)
  useEffectiveConv2d: configField.unsupported('use_effective_conv2d', false, '@peft/lokr (it wraps no convolution layers)'),
};

/**
 * A LoKr adapter's configuration: Hugging Face PEFT's `LoKrConfig` with camelCase names (`r`, `alpha`,
 * `decomposeFactor`, `decomposeBoth`, `rankDropout`, `rankDropoutScale`, `moduleDropout`,
 * `initWeights`, `targetModules`, `rankPattern`, …).
 *
 * @example
 * ```ts
 * const config: LokrConfig = lokrConfig({ r: 8, alpha: 16, decomposeBoth: true, targetModules: ['q_proj'] });
 * ```
 */
export type LokrConfig = ConfigOf<typeof LOKR_FIELDS>;

function checkLokr(c: LokrConfig): void {
  const hasPattern = typeof c.layersPattern === 'string' ? c.layersPattern !== '' : c.layersPattern !== null && c.layersPattern.length > 0;
  if (hasPattern && c.layersToTransform === null) {
    throw new ConfigError(`lokr: layers_pattern needs layers_to_transform too (got layers_pattern ${JSON.stringify(c.layersPattern)} and no layers_to_transform)`);
  }
}

/**
 * LoKr's config schema (`peft_type` "LOKR"): creates configs from options, parses `adapter_config.json`
 * (unknown keys are reported through `warn`) and writes every key PEFT 0.21 writes.
 *
 * @example
 * ```ts
 * const config = LOKR_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * ```
 */
export const LOKR_SCHEMA = defineConfig('LOKR', 'lokr', LOKR_FIELDS, checkLokr);

/**
 * A LoKr config from camelCase options; anything not given takes PEFT's default (`r` 8, `alpha` 8,
 * `decomposeFactor` -1, no dropout, `initWeights` true: W1 starts at zero, a no-op).
 *
 * @example
 * ```ts
 * const config = lokrConfig({ r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'] });
 * ```
 */
export function lokrConfig(options?: ConfigOptions<LokrConfig>): LokrConfig {
  return LOKR_SCHEMA.create(options);
}
