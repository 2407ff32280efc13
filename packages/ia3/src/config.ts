import { ConfigError } from '@peft/core';
import { type ConfigOf, type ConfigOptions, TARGET_FIELDS, configField, defineConfig, pythonFullMatch } from '@peft/core/plugin';

/**
 * The fields of (IA)³'s `adapter_config.json` as Hugging Face PEFT 0.21 writes them (`IA3Config`), by
 * camelCase option name. PEFT's `IA3Config` has no `layers_to_transform` / `layers_pattern`, so
 * neither is read or written here.
 *
 * @example
 * ```ts
 * IA3_FIELDS.initIa3Weights.defaultValue; // true
 * IA3_FIELDS.feedforwardModules.key;       // 'feedforward_modules'
 * ```
 */
export const IA3_FIELDS = {
  targetModules: TARGET_FIELDS.targetModules,
  excludeModules: TARGET_FIELDS.excludeModules,
  feedforwardModules: configField.targets('feedforward_modules'),
  fanInFanOut: configField.bool('fan_in_fan_out', false),
  modulesToSave: TARGET_FIELDS.modulesToSave,
  initIa3Weights: configField.bool('init_ia3_weights', true),
  // stored for other tools, no effect here
  autoMapping: configField.json('auto_mapping', null),
};

/**
 * An (IA)³ adapter's configuration: Hugging Face PEFT's `IA3Config` with camelCase names
 * (`targetModules`, `feedforwardModules`, `excludeModules`, `fanInFanOut`, `modulesToSave`,
 * `initIa3Weights`). Read from and written to `adapter_config.json` by {@link IA3_SCHEMA}.
 *
 * @example
 * ```ts
 * const config: IA3Config = ia3Config({ targetModules: ['k_proj', 'v_proj', 'down_proj'], feedforwardModules: ['down_proj'] });
 * config.initIa3Weights; // true
 * ```
 */
export type IA3Config = ConfigOf<typeof IA3_FIELDS>;

/**
 * (IA)³'s config schema (`peft_type` "IA3"): creates configs from options, parses
 * `adapter_config.json` (unknown keys are reported through `warn`) and writes it back with the keys
 * Hugging Face PEFT 0.21 writes.
 *
 * The schema checks each field; the rule that `feedforward_modules` is a subset of `target_modules`
 * is checked by {@link ia3Config} (where a user writes a config) and not here, because core rewrites
 * configs after the fact (default targets, `"all-linear"` expanded to full module names), as Python
 * PEFT does without checking again, and because Python PEFT itself saves files that break the rule
 * (its default feed-forward modules are filled in even when the targets were given).
 *
 * @example
 * ```ts
 * const config = IA3_SCHEMA.parse(JSON.parse(text), { warn: console.warn });
 * const json = IA3_SCHEMA.toJson(config); // Map of snake_case keys
 * ```
 */
export const IA3_SCHEMA = defineConfig('IA3', 'ia3', IA3_FIELDS);

/**
 * Checks Hugging Face's rule that `feedforward_modules` must be a subset of `target_modules`, when
 * both are lists (a regex on either side is not checked, as in PEFT). Throws a ConfigError naming the
 * entries that are not targets.
 *
 * @example
 * ```ts
 * checkFeedforwardSubset(ia3Config({ targetModules: ['c_attn'] })); // fine: no feed-forward list
 * checkFeedforwardSubset({ ...config, feedforwardModules: ['fc'] }); // throws when 'fc' is not a target
 * ```
 */
export function checkFeedforwardSubset(config: Pick<IA3Config, 'targetModules' | 'feedforwardModules'>): void {
  const { targetModules: targets, feedforwardModules: ff } = config;
  if (!Array.isArray(ff) || !Array.isArray(targets)) return;
  const missing = (ff as readonly string[]).filter((f) => !(targets as readonly string[]).includes(f));
  if (missing.length) {
    throw new ConfigError(
      `ia3: feedforward_modules must be a subset of target_modules; ${missing.map((m) => JSON.stringify(m)).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in target_modules ${JSON.stringify(targets)}`,
    );
  }
}

/**
 * An (IA)³ config from camelCase options; anything not given takes Hugging Face PEFT's default
 * (`initIa3Weights` true, `fanInFanOut` false, targets and feed-forward modules from the model type
 * when null). Like PEFT's `IA3Config`, it rejects `feedforwardModules` that are not among
 * `targetModules` (when both are lists).
 *
 * @example
 * ```ts
 * const config = ia3Config({ targetModules: ['c_attn', 'mlp.c_proj'], feedforwardModules: ['mlp.c_proj'] });
 * ```
 */
export function ia3Config(options?: ConfigOptions<IA3Config>): IA3Config {
  const config = IA3_SCHEMA.create(options);
  checkFeedforwardSubset(config);
  return config;
}

/**
 * Whether the module at `path` is a feed-forward module of the config (its input is scaled instead of
 * its output). As in Hugging Face PEFT: a string is a full-match regex; a list entry matches when the
 * path ends with it, with no dot required (`'fc'` also matches `mlp.c_fc`).
 *
 * @example
 * ```ts
 * isFeedforwardModule(['output.dense'], 'bert.encoder.layer.0.attention.output.dense'); // true
 * isFeedforwardModule('.*down_proj', 'model.layers.0.mlp.down_proj');                   // true
 * ```
 */
export function isFeedforwardModule(feedforward: string | readonly string[] | null, path: string): boolean {
  if (feedforward === null) return false;
  if (typeof feedforward === 'string') return pythonFullMatch(feedforward, path, 'feedforward_modules');
  return feedforward.some((f) => path.endsWith(f));
}
