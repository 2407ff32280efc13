import { configField } from '../method/config-field.js';
import type { PeftConfig } from '../method/config-schema.js';

/**
 * The options of methods that wrap modules of the base model (LoRA, LoHa, IA3, …): which modules to
 * wrap and which to train whole. Core reads them to inject the method's layers.
 *
 * @example
 * ```ts
 * const c: TargetedConfig = loraConfig({ targetModules: ['q_proj', 'v_proj'], layersToTransform: [0] });
 * ```
 */
export interface TargetedConfig extends PeftConfig {
  /** A regex (full match) or a list of names / dotted suffixes; null takes the method's default for the architecture. */
  readonly targetModules: string | readonly string[] | null;
  /** Modules never wrapped: a regex (full match) or a list of names / dotted suffixes. */
  readonly excludeModules: string | readonly string[] | null;
  /** Only wrap modules in these layer indices (list targets only). */
  readonly layersToTransform: number | readonly number[] | null;
  /** The name of the layer list in module paths (`layers`, `h`), when `layersToTransform` needs it. */
  readonly layersPattern: string | readonly string[] | null;
  /** Modules trained whole and saved in full next to the adapter (`classifier`, `ln_f`). */
  readonly modulesToSave: readonly string[] | null;
  /** Per-module rank overrides (first key whose pattern matches wins); only methods with a rank have it. */
  readonly rankPattern?: ReadonlyMap<string, number>;
  /** Per-module alpha overrides, as `rankPattern`. */
  readonly alphaPattern?: ReadonlyMap<string, number>;
}

/**
 * The config fields shared by {@link TargetedConfig} methods, to spread into a method's field table.
 *
 * @example
 * ```ts
 * const LORA_FIELDS = { ...TARGET_FIELDS, r: configField.int('r', 8, { min: 1 }) };
 * ```
 */
export const TARGET_FIELDS = {
  targetModules: configField.targets('target_modules'),
  excludeModules: configField.targets('exclude_modules'),
  layersToTransform: configField.layers('layers_to_transform'),
  layersPattern: configField.stringOrList('layers_pattern'),
  modulesToSave: configField.names('modules_to_save'),
};

/**
 * Whether a config carries the targeting options of {@link TargetedConfig}.
 *
 * @example
 * ```ts
 * if (isTargetedConfig(config)) console.log(config.targetModules);
 * ```
 */
export function isTargetedConfig(config: PeftConfig): config is TargetedConfig {
  return 'targetModules' in config && 'modulesToSave' in config;
}
