import { type ConfigOf, type ConfigOptions, TARGET_FIELDS, defineConfig } from '@peft/core/plugin';

/**
 * The fields of a BitFit adapter's `adapter_config.json` (`peft_type` "BITFIT"): only the targeting
 * options. `target_modules` selects the modules whose biases train (null: every module with a bias,
 * by model type; a regex or a list to select some); `modules_to_save` adds modules trained whole,
 * such as a new classification head (`task_type` "SEQ_CLS" adds `classifier` / `score` itself).
 *
 * @example
 * ```ts
 * BITFIT_FIELDS.targetModules.key; // 'target_modules'
 * ```
 */
export const BITFIT_FIELDS = { ...TARGET_FIELDS };

/**
 * A BitFit adapter's configuration: `targetModules`, `excludeModules`, `layersToTransform`,
 * `layersPattern`, `modulesToSave` (and `taskType`).
 *
 * @example
 * ```ts
 * const config: BitFitConfig = bitfitConfig({ targetModules: '.*attn.*' });
 * ```
 */
export type BitFitConfig = ConfigOf<typeof BITFIT_FIELDS>;

/**
 * BitFit's config schema (`peft_type` "BITFIT"): creates configs from options, parses
 * `adapter_config.json` (unknown keys are reported through `warn`) and writes it back with sorted
 * snake_case keys.
 *
 * @example
 * ```ts
 * const config = BITFIT_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * ```
 */
export const BITFIT_SCHEMA = defineConfig('BITFIT', 'bitfit', BITFIT_FIELDS);

/**
 * A BitFit config from camelCase options; anything not given takes its default (every bias of the
 * model type's known modules, no modules to save).
 *
 * @example
 * ```ts
 * const config = bitfitConfig({ taskType: 'SEQ_CLS' }); // all biases + a trainable classifier
 * ```
 */
export function bitfitConfig(options?: ConfigOptions<BitFitConfig>): BitFitConfig {
  return BITFIT_SCHEMA.create(options);
}
