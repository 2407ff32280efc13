import { ConfigError } from '../../errors.js';
import { JsonNumberText, type JsonValue } from '../../io/strict-json.js';

/**
 * One option of an adapter config: its snake_case key in `adapter_config.json`, its default, how a
 * value is checked (from a parsed file or from user code) and how it is written back.
 *
 * @example
 * ```ts
 * const r: ConfigField<number> = configField.int('r', 8, { min: 1 });
 * r.read(4, 'lora');   // 4
 * r.read(-1, 'lora');  // throws ConfigError: lora: r must be an integer ≥ 1, got -1
 * ```
 */
export interface ConfigField<T> {
  /** The key in `adapter_config.json`. */
  readonly key: string;
  /** The value when the key is absent. */
  readonly defaultValue: T;
  /** Checks and converts a value; `where` prefixes the error message (the method's name). */
  read(value: unknown, where: string): T;
  /** The value as written to `adapter_config.json`. */
  write(value: T): JsonValue;
}

/** The value type a field holds. @example `type R = FieldValue<typeof rField>; // number` */
export type FieldValue<F> = F extends ConfigField<infer T> ? T : never;

function fail(where: string, key: string, expected: string, got: unknown): never {
  throw new ConfigError(`${where}: ${key} must be ${expected}, got ${show(got)}`);
}

/** A short rendering of a bad value for messages. @internal @example `show([1])` */
export function show(v: unknown): string {
  if (v instanceof JsonNumberText) return v.text;
  if (v instanceof Map) return JSON.stringify(Object.fromEntries(v));
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function asNumber(v: unknown): number | undefined {
  if (v instanceof JsonNumberText) return v.value;
  return typeof v === 'number' ? v : undefined;
}

function asEntries(v: unknown): [string, unknown][] | undefined {
  if (v instanceof Map) return [...(v as Map<string, unknown>)];
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype) return Object.entries(v);
  return undefined;
}

function toJson(v: unknown): JsonValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || v instanceof JsonNumberText) return v;
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(toJson);
  const entries = asEntries(v);
  if (entries) return new Map(entries.map(([k, x]) => [k, toJson(x)]));
  throw new ConfigError(`config: cannot write ${show(v)} as JSON`);
}

function float(x: number): JsonValue {
  return Number.isInteger(x) ? new JsonNumberText(x, `${x}.0`) : x;
}

/** A finite number field with optional bounds, checked on read. */
function numeric(key: string, defaultValue: number, opts: { min?: number; max?: number; integer?: boolean }, write: (v: number) => JsonValue): ConfigField<number> {
  const min = opts.min ?? -Infinity;
  const max = opts.max ?? Infinity;
  const range = min > -Infinity && max < Infinity ? ` in [${min}, ${max}]` : min > -Infinity ? ` ≥ ${min}` : max < Infinity ? ` ≤ ${max}` : '';
  const expected = `${opts.integer ? 'an integer' : 'a number'}${range}`;
  return {
    key,
    defaultValue,
    read(v, where) {
      const n = asNumber(v);
      if (n === undefined || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || n < min || n > max) fail(where, key, expected, v);
      return n;
    },
    write,
  };
}

/**
 * Builders for the usual kinds of options. Each takes the snake_case key and the default.
 *
 * @example
 * ```ts
 * const fields = {
 *   r: configField.int('r', 8, { min: 1 }),
 *   loraDropout: configField.float('lora_dropout', 0, { min: 0, max: 1 }),
 *   bias: configField.choice('bias', ['none', 'all', 'lora_only'] as const, 'none'),
 * };
 * ```
 */
export const configField = {
  /** An integer (a float literal with an integral value such as `8.0` is accepted). @example `configField.int('r', 8, { min: 1 })` */
  int(key: string, defaultValue: number, opts?: { min?: number }): ConfigField<number> {
    return numeric(key, defaultValue, { ...opts, integer: true }, (v) => v);
  },

  /** A number, written as a Python float (`0.0`). @example `configField.float('lora_dropout', 0, { min: 0, max: 1 })` */
  float(key: string, defaultValue: number, opts?: { min?: number; max?: number }): ConfigField<number> {
    return numeric(key, defaultValue, opts ?? {}, float);
  },

  /** A number that Python writes as given (an int stays `8`, a float `0.5`), like `lora_alpha`. @example `configField.number('lora_alpha', 8)` */
  number(key: string, defaultValue: number, opts?: { min?: number }): ConfigField<number> {
    return numeric(key, defaultValue, opts ?? {}, (v) => v);
  },

  /** true or false. @example `configField.bool('use_rslora', false)` */
  bool(key: string, defaultValue: boolean): ConfigField<boolean> {
    return {
      key,
      defaultValue,
      read: (v, where) => (typeof v === 'boolean' ? v : fail(where, key, 'true or false', v)),
      write: (v) => v,
    };
  },

  /** A string or null. @example `configField.string('revision', null)` */
  string<D extends string | null>(key: string, defaultValue: D): ConfigField<string | D> {
    return {
      key,
      defaultValue,
      read: (v, where) => (typeof v === 'string' || (v === null && defaultValue === null) ? (v as string | D) : fail(where, key, defaultValue === null ? 'a string or null' : 'a string', v)),
      write: (v) => v,
    };
  },

  /** One of a fixed set of values (strings, booleans or null). @example `configField.choice('bias', ['none', 'all'] as const, 'none')` */
  choice<T extends string | boolean | null>(key: string, values: readonly T[], defaultValue: T): ConfigField<T> {
    return {
      key,
      defaultValue,
      read: (v, where) => (values.includes(v as T) ? (v as T) : fail(where, key, `one of ${values.map(show).join(', ')}`, v)),
      write: (v) => v,
    };
  },

  /** A regex string, a list of names, or null (`target_modules`). @example `configField.targets('target_modules')` */
  targets(key: string): ConfigField<string | readonly string[] | null> {
    return {
      key,
      defaultValue: null,
      read(v, where) {
        if (v === null || typeof v === 'string') return v;
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return Object.freeze([...(v)]);
        return fail(where, key, 'a regex string, a list of module names or null', v);
      },
      write: (v) => (v === null || typeof v === 'string' ? v : [...v]),
    };
  },

  /** A list of strings or null (`modules_to_save`). @example `configField.names('modules_to_save')` */
  names(key: string): ConfigField<readonly string[] | null> {
    return {
      key,
      defaultValue: null,
      read(v, where) {
        if (v === null) return null;
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return Object.freeze([...(v)]);
        return fail(where, key, 'a list of module names or null', v);
      },
      write: (v) => (v === null ? null : [...v]),
    };
  },

  /** An integer, a list of integers, or null (`layers_to_transform`). @example `configField.layers('layers_to_transform')` */
  layers(key: string): ConfigField<number | readonly number[] | null> {
    return {
      key,
      defaultValue: null,
      read(v, where) {
        if (v === null) return null;
        const n = asNumber(v);
        if (n !== undefined && Number.isInteger(n) && n >= 0) return n;
        if (Array.isArray(v)) {
          const ns = v.map(asNumber);
          if (ns.every((x) => x !== undefined && Number.isInteger(x) && x >= 0)) return Object.freeze(ns as number[]);
        }
        return fail(where, key, 'a layer index, a list of layer indices or null', v);
      },
      write: (v) => (v === null || typeof v === 'number' ? v : [...v]),
    };
  },

  /** A string, a list of strings or null (`layers_pattern`). @example `configField.stringOrList('layers_pattern')` */
  stringOrList(key: string): ConfigField<string | readonly string[] | null> {
    return configField.targets(key);
  },

  /**
   * A name → number map whose key order matters (`rank_pattern`, `alpha_pattern`: the first key that
   * matches a module wins), kept as a `Map` in file order.
   *
   * @example
   * ```ts
   * configField.pattern('rank_pattern', { int: true }).read({ 'q_proj': 8 }, 'lora'); // Map { 'q_proj' => 8 }
   * ```
   */
  pattern(key: string, opts?: { int?: boolean }): ConfigField<ReadonlyMap<string, number>> {
    return {
      key,
      defaultValue: new Map(),
      read(v, where) {
        const entries = asEntries(v);
        if (!entries) fail(where, key, 'an object of module pattern → number', v);
        const out = new Map<string, number>();
        for (const [k, x] of entries) {
          const n = asNumber(x);
          if (n === undefined || !Number.isFinite(n) || (opts?.int && (!Number.isInteger(n) || n < 1))) {
            fail(where, `${key}["${k}"]`, opts?.int ? 'a positive integer' : 'a number', x);
          }
          out.set(k, n);
        }
        return out;
      },
      write: (v) => new Map(v),
    };
  },

  /** Any JSON value, kept as read and written back unchanged (options stored for other tools). @example `configField.json('auto_mapping', null)` */
  json(key: string, defaultValue: JsonValue): ConfigField<JsonValue> {
    return { key, defaultValue, read: (v) => toJson(v), write: (v) => v };
  },

  /**
   * An option this library does not implement: only its default (or an empty/false-like value in
   * `accepted`) is allowed, anything else is a ConfigError naming the option.
   *
   * @example
   * ```ts
   * configField.unsupported('use_qalora', false, 'lora'); // reading `true` throws "… is not supported"
   * ```
   */
  unsupported(key: string, defaultValue: JsonValue, what: string, accepted: readonly JsonValue[] = []): ConfigField<JsonValue> {
    const ok = (v: JsonValue): boolean =>
      [defaultValue, ...accepted].some((a) => JSON.stringify(plain(a)) === JSON.stringify(plain(v)));
    return {
      key,
      defaultValue,
      read(v, where) {
        const j = toJson(v);
        if (!ok(j)) throw new ConfigError(`${where}: ${key}=${show(v)} is not supported by ${what} (expected ${show(plain(defaultValue))})`);
        return j;
      },
      write: (v) => v,
    };
  },
};

function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumberText) return v.value;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
