import { ArgumentError, Module, type Parameter } from '@peft/core';

/**
 * Parameters by adapter name, like `torch.nn.ParameterDict`: each entry is a parameter of this
 * module itself, so it is named `<dict>.<adapter>` (`lokr_w1.default`), with no `.weight`.
 * A module's parameters cannot be unregistered, so removing an entry builds a new dict
 * ({@link ParameterDict.without}).
 *
 * @example
 * ```ts
 * const dict = new ParameterDict();
 * dict.set('default', new Parameter(zeros([4, 32])));
 * dict.get('default').shape; // [4, 32]
 * ```
 */
export class ParameterDict extends Module {
  /** Adds `param` under a new key and returns it. @example `dict.set('default', p)` */
  set(key: string, param: Parameter): Parameter {
    return this.registerParameter(key, param);
  }

  /** Whether `key` is present. @example `dict.has('default')` */
  has(key: string): boolean {
    return this.entries().some(([k]) => k === key);
  }

  /** The parameter under `key` (an ArgumentError naming the keys if absent). @example `dict.get('default')` */
  get(key: string): Parameter {
    const hit = this.entries().find(([k]) => k === key);
    if (!hit) throw new ArgumentError(`ParameterDict.get: no entry "${key}" (keys: ${this.entries().map(([k]) => `"${k}"`).join(', ') || 'none'})`);
    return hit[1];
  }

  /** A new dict with every entry but `key`, sharing the parameters. @example `const rest = dict.without('other')` */
  without(key: string): ParameterDict {
    const out = new ParameterDict();
    for (const [k, p] of this.entries()) if (k !== key) out.set(k, p);
    out.training = this.training;
    return out;
  }

  private entries(): [string, Parameter][] {
    return [...this.namedParameters({ recurse: false })];
  }
}
