import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

/** Option declarations in `node:util` parseArgs form. @example `const o: OptionSpecs = { json: { type: 'boolean' } };` */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments strictly: an unknown flag, a missing value or a stray positional is a
 * {@link UsageError} naming the command.
 *
 * @example
 * ```ts
 * const { values } = parseCommandArgs('inspect', ['dir', '--json'], { json: { type: 'boolean' } }, 1);
 * ```
 */
export function parseCommandArgs(command: string, argv: readonly string[], options: OptionSpecs, maxPositionals = 0): { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return { values: parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>, positionals: parsed.positionals };
}

/**
 * A flag's value as a number within limits, or the default when absent.
 *
 * @example
 * ```ts
 * const n = numberFlag('generate', '--max-new-tokens', values['max-new-tokens'], { integer: true, min: 1 }) ?? 20;
 * ```
 */
export function numberFlag(command: string, flag: string, raw: unknown, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const n = text === '' ? NaN : Number(text);
  const kind = opts.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n))) throw new UsageError(`${command}: ${flag} expects ${kind}, got "${text}"`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`${command}: ${flag} expects ${kind} >= ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`${command}: ${flag} expects ${kind} <= ${opts.max}, got ${n}`);
  return n;
}
