import { ConfigError } from '@peft/core';

/**
 * Typed access to the fields of a parsed `config.json`, with errors that name the file, the field,
 * what was expected and what came.
 *
 * @example
 * ```ts
 * const r = new ConfigReader(json, 'gpt2/config.json');
 * const nEmbd = r.int('n_embd');           // throws ConfigError when absent or not an integer
 * const eps = r.num('layer_norm_epsilon', 1e-5);
 * ```
 */
export class ConfigReader {
  constructor(
    /** The parsed JSON object. */
    readonly raw: Readonly<Record<string, unknown>>,
    /** Where it came from, for messages (`config.json`). */
    readonly where = 'config.json',
  ) {}

  /** Whether the field is present and not null. @example `r.has('rope_scaling')` */
  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  /**
   * A positive integer field (or `fallback` when absent), at most `max` when given (counts that
   * become loops rather than tensor sizes, such as layers). @example `r.int('n_layer', 12, 4096)`
   */
  int(name: string, fallback?: number, max?: number): number {
    const v = this.value(name, fallback);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(name, 'a positive integer', v);
    if (max !== undefined && v > max) this.fail(name, `a positive integer of at most ${max}`, v);
    return v;
  }

  /** A non-negative integer field (token ids). @example `r.index('pad_token_id')` */
  index(name: string, fallback?: number): number {
    const v = this.value(name, fallback);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(name, 'a non-negative integer', v);
    return v;
  }

  /** A finite number field. @example `r.num('rms_norm_eps', 1e-6)` */
  num(name: string, fallback?: number): number {
    const v = this.value(name, fallback);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(name, 'a finite number', v);
    return v;
  }

  /** A boolean field. @example `r.bool('attention_bias', false)` */
  bool(name: string, fallback?: boolean): boolean {
    const v = this.value(name, fallback);
    if (typeof v !== 'boolean') this.fail(name, 'true or false', v);
    return v;
  }

  /** A string field. @example `r.str('hidden_act', 'silu')` */
  str(name: string, fallback?: string): string {
    const v = this.value(name, fallback);
    if (typeof v !== 'string') this.fail(name, 'a string', v);
    return v;
  }

  /** A token id or list of token ids (`eos_token_id`), as a list; empty when absent. @example `r.ids('eos_token_id')` */
  ids(name: string): number[] {
    const v = this.raw[name];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? (v as unknown[]) : [v];
    for (const x of list) if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) this.fail(name, 'a token id or a list of token ids', v);
    return list as number[];
  }

  /** An optional token id: undefined when absent or null. @example `r.optionalIndex('pad_token_id')` */
  optionalIndex(name: string): number | undefined {
    return this.has(name) ? this.index(name) : undefined;
  }

  /** A nested object field, or undefined when absent or null. @example `r.object('rope_scaling')` */
  object(name: string): ConfigReader | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(name, 'an object', v);
    return new ConfigReader(v as Record<string, unknown>, `${this.where} field "${name}"`);
  }

  /** Throws the ConfigError this reader raises for a bad field. @example `r.fail('rope_type', 'one of linear, dynamic', 'foo')` */
  fail(name: string, expected: string, got: unknown): never {
    throw new ConfigError(`${this.where}: expected "${name}" to be ${expected}, got ${got === undefined ? 'nothing (the field is missing)' : JSON.stringify(got)}`);
  }

  private value(name: string, fallback: unknown): unknown {
    const v = this.raw[name];
    return v === undefined || v === null ? fallback : v;
  }
}
