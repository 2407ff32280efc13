import { ConfigError } from '../../errors.js';
import type { JsonValue } from '../../io/strict-json.js';
import { type ConfigField, type FieldValue, configField, show } from './config-field.js';

/** Hugging Face's task types (`task_type` in `adapter_config.json`). @example `const t: TaskType = 'CAUSAL_LM'` */
export type TaskType = 'CAUSAL_LM' | 'SEQ_CLS' | 'SEQ_2_SEQ_LM' | 'TOKEN_CLS' | 'QUESTION_ANS' | 'FEATURE_EXTRACTION';

const TASK_TYPES: readonly (TaskType | null)[] = ['CAUSAL_LM', 'SEQ_CLS', 'SEQ_2_SEQ_LM', 'TOKEN_CLS', 'QUESTION_ANS', 'FEATURE_EXTRACTION', null];

/**
 * The options every adapter config has, whatever its method.
 *
 * @example
 * ```ts
 * const c: PeftConfig = loraConfig({ r: 8, taskType: 'CAUSAL_LM' });
 * c.peftType; // 'LORA'
 * ```
 */
export interface PeftConfig {
  /** Hugging Face's `peft_type` ('LORA', 'ADALORA', 'LOHA', …): which method reads this config. */
  readonly peftType: string;
  /** The kind of model head (`task_type`), or null. */
  readonly taskType: TaskType | null;
  /** Where the base model came from (informational). */
  readonly baseModelNameOrPath: string | null;
  /** The base model's revision (informational). */
  readonly revision: string | null;
  /** Loaded for inference only (adapter weights frozen). Saved files always say true. */
  readonly inferenceMode: boolean;
}

const COMMON = {
  taskType: configField.choice<TaskType | null>('task_type', TASK_TYPES, null),
  baseModelNameOrPath: configField.string('base_model_name_or_path', null),
  revision: configField.string('revision', null),
  inferenceMode: configField.bool('inference_mode', false),
};

/** A method's table of config fields by camelCase option name. @example `const f: ConfigFields = { r: configField.int('r', 8) }` */
export type ConfigFields = Record<string, ConfigField<unknown>>;

/** The config type a field table describes: its values plus {@link PeftConfig}. @example `type LoraConfig = ConfigOf<typeof LORA_FIELDS>` */
export type ConfigOf<F extends ConfigFields> = PeftConfig & { readonly [K in keyof F]: FieldValue<F[K]> };

/** What `create` takes: any subset of the options, by their camelCase names. @example `const o: ConfigOptions<LoraConfig> = { r: 4 }` */
export type ConfigOptions<C extends PeftConfig> = Partial<Omit<C, 'peftType'>>;

/**
 * How one method's config is made, read from `adapter_config.json` and written back. Built by
 * {@link defineConfig} from a table of {@link ConfigField}s, so every method validates, defaults and
 * serialises the same way.
 *
 * @example
 * ```ts
 * const cfg = LORA_SCHEMA.parse(JSON.parse(text));      // snake_case keys, unknown keys warned about
 * const json = formatPythonJson(LORA_SCHEMA.toJson(cfg)); // sorted keys, as Python writes it
 * ```
 */
export interface ConfigSchema<C extends PeftConfig> {
  /** The `peft_type` this schema reads. */
  readonly peftType: string;
  /** The method's name in messages ('lora'). */
  readonly name: string;
  /** A full config from camelCase options (a whole config too, to copy it with changes); anything missing takes its default. */
  create(options?: ConfigOptions<C>): C;
  /** A full config from a parsed `adapter_config.json` (a plain object or the `Map` of `parseStrictJson`). */
  parse(raw: unknown, opts?: { warn?: (message: string) => void; where?: string }): C;
  /** The snake_case JSON object Hugging Face writes (`inference_mode` is true, as in saved files). */
  toJson(config: C): Map<string, JsonValue>;
}

/**
 * Defines a method's config from its fields. `check` runs after every create/parse for rules that
 * span several fields (throw a ConfigError naming them).
 *
 * @example
 * ```ts
 * const schema = defineConfig('LORA', 'lora', { r: configField.int('r', 8, { min: 1 }) });
 * schema.create({ r: 4 }).r; // 4
 * ```
 */
export function defineConfig<F extends ConfigFields>(peftType: string, name: string, fields: F, check?: (config: ConfigOf<F>) => void): ConfigSchema<ConfigOf<F>> {
  const all: ConfigFields = { ...COMMON, ...fields };
  const byKey = new Map(Object.entries(all).map(([prop, f]) => [f.key, prop]));
  const finish = (values: Record<string, unknown>): ConfigOf<F> => {
    const config = Object.freeze({ peftType, ...values }) as unknown as ConfigOf<F>;
    check?.(config);
    return config;
  };
  return {
    peftType,
    name,
    create(options = {}) {
      const values: Record<string, unknown> = {};
      for (const [prop, v] of Object.entries(options)) {
        if (prop === 'peftType') {
          if (v !== undefined && v !== peftType) throw new ConfigError(`${name}: peftType must be "${peftType}", got ${show(v)}`);
          continue;
        }
        if (!(prop in all)) {
          throw new ConfigError(`${name}: unknown option "${prop}" (options: ${Object.keys(all).join(', ')})`);
        }
        if (v !== undefined) values[prop] = all[prop].read(v, name);
      }
      for (const [prop, f] of Object.entries(all)) if (!(prop in values)) values[prop] = f.defaultValue;
      return finish(values);
    },
    parse(raw, opts) {
      const where = opts?.where ?? name;
      const entries =
        raw instanceof Map
          ? [...(raw as Map<string, unknown>)]
          : typeof raw === 'object' && raw !== null && !Array.isArray(raw)
            ? Object.entries(raw)
            : undefined;
      if (!entries) throw new ConfigError(`${where}: expected a JSON object, got ${show(raw)}`);
      const values: Record<string, unknown> = {};
      const unknown: string[] = [];
      for (const [key, v] of entries) {
        if (key === 'peft_version') continue; // which Python PEFT wrote the file: informational
        if (key === 'peft_type') {
          if (v !== peftType) throw new ConfigError(`${where}: peft_type must be "${peftType}", got ${show(v)}`);
          continue;
        }
        const prop = byKey.get(key);
        if (prop === undefined) unknown.push(key);
        else values[prop] = all[prop].read(v, where);
      }
      if (unknown.length) opts?.warn?.(`${where}: ignoring unknown config keys ${unknown.map((k) => `"${k}"`).join(', ')}`);
      for (const [prop, f] of Object.entries(all)) if (!(prop in values)) values[prop] = f.defaultValue;
      return finish(values);
    },
    toJson(config) {
      const out = new Map<string, JsonValue>([['peft_type', peftType]]);
      const src = config as unknown as Record<string, unknown>;
      for (const [prop, f] of Object.entries(all)) out.set(f.key, f.write(src[prop]));
      out.set('inference_mode', true);
      return out;
    },
  };
}
