import { PluginError } from '../../errors.js';
import type { PeftConfig } from './config-schema.js';
import type { PeftMethod } from './peft-method.js';

/** The @peft package that provides each Hugging Face `peft_type` it implements, for "not registered" messages. */
const KNOWN_PACKAGES: Readonly<Record<string, string>> = {
  LORA: '@peft/lora',
  ADALORA: '@peft/adalora',
  LOHA: '@peft/loha',
  LOKR: '@peft/lokr',
  IA3: '@peft/ia3',
  PREFIX_TUNING: '@peft/prefix',
  PROMPT_TUNING: '@peft/prompt',
  P_TUNING: '@peft/p-tuning',
  MULTITASK_PROMPT_TUNING: '@peft/prompt',
  BOTTLENECK: '@peft/adapters',
  BITFIT: '@peft/bitfit',
};

/**
 * A set of methods by `peft_type`. One global registry (see {@link registerMethod}) serves most apps;
 * pass a registry of your own where two setups must not share methods.
 *
 * @example
 * ```ts
 * const registry = new MethodRegistry().register(lora);
 * registry.get('LORA'); // lora
 * ```
 */
export class MethodRegistry {
  private readonly methods = new Map<string, PeftMethod>();

  /** Adds a method; registering the same object again is a no-op, a different one for the same type an error. @example `registry.register(lora)` */
  register<C extends PeftConfig>(method: PeftMethod<C>): this {
    const m = method as unknown as PeftMethod;
    if (typeof m?.peftType !== 'string' || m.peftType === '' || !m.schema || m.schema.peftType !== m.peftType) {
      throw new PluginError(`registerMethod: expected a PeftMethod with a peftType and a schema for that type, got ${describe(method)}`);
    }
    const had = this.methods.get(m.peftType);
    if (had && had !== m) {
      throw new PluginError(`registerMethod: a different method is already registered for peft_type "${m.peftType}" (from ${had.packageName})`);
    }
    this.methods.set(m.peftType, m);
    return this;
  }

  /** The method for `peftType`, or undefined. @example `registry.find('LORA')` */
  find(peftType: string): PeftMethod | undefined {
    return this.methods.get(peftType);
  }

  /**
   * The method for `peftType`; a PluginError naming the package to install when none is registered.
   *
   * @example
   * ```ts
   * registry.get('LOHA'); // PluginError: no method is registered for peft_type "LOHA": install @peft/loha and call registerMethod(…)
   * ```
   */
  get(peftType: string, op = 'peft'): PeftMethod {
    const m = this.methods.get(peftType);
    if (m) return m;
    const pkg = KNOWN_PACKAGES[peftType];
    const registered = [...this.methods.keys()];
    throw new PluginError(
      `${op}: no method is registered for peft_type "${peftType}": ${pkg ? `install ${pkg} and call registerMethod() with its method` : 'no @peft package implements it; register a PeftMethod for it with registerMethod() (see docs/writing-a-method.md)'} (registered: ${registered.length ? registered.join(', ') : 'none'})`,
    );
  }

  /** The registered peft types. @example `registry.types()` */
  types(): string[] {
    return [...this.methods.keys()];
  }
}

function describe(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  const t = (v as { peftType?: unknown }).peftType;
  return t === undefined ? 'an object without peftType' : `peftType ${JSON.stringify(t)}`;
}

const GLOBAL = new MethodRegistry();

/**
 * Registers methods in the global registry that `getPeftModel` and `PeftModel.fromPretrained` use.
 *
 * @example
 * ```ts
 * import { lora } from '@peft/lora';
 * registerMethod(lora);
 * ```
 */
export function registerMethod(...methods: PeftMethod<never>[]): void {
  for (const m of methods) GLOBAL.register(m);
}

/** The global registry. @example `defaultRegistry().types()` */
export function defaultRegistry(): MethodRegistry {
  return GLOBAL;
}
