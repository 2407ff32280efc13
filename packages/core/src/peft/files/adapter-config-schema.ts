import * as v from 'valibot';

/**
 * The fields every `adapter_config.json` carries whatever its method, checked when the file is read
 * (before the method is looked up): `peft_type` names the method; `task_type`,
 * `base_model_name_or_path`, `revision` and `inference_mode` are informational; `peft_version` says
 * which PEFT wrote it. Not strict: the method's own fields are checked by its config field table
 * (`ConfigSchema.parse`), which warns about keys no field knows, as PEFT does.
 *
 * @example
 * ```ts
 * validateShape(ADAPTER_CONFIG_COMMON_SCHEMA, Object.fromEntries(config), { file: 'a/adapter_config.json' });
 * ```
 */
export const ADAPTER_CONFIG_COMMON_SCHEMA = v.object({
  peft_type: v.string(),
  task_type: v.nullish(v.string()),
  base_model_name_or_path: v.nullish(v.string()),
  revision: v.nullish(v.string()),
  inference_mode: v.optional(v.boolean()),
  peft_version: v.optional(v.string()),
});
