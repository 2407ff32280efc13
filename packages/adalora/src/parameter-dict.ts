import { ArgumentError, Module, type Parameter } from '@peft/core';

/**
 * Parameters under adapter names, like `torch.nn.ParameterDict`: each entry is a parameter of this
 * module, named `<dict>.<adapter>` (`lora_E.default`) with no `.weight`, as in Hugging Face PEFT.
 * A module's parameters cannot be unregistered, so removing an entry builds a new dict
 * ({@link ParameterDict.without}).
 *
 * @example
 * ```ts
 * const dict = new ParameterDict();
 * dict.set('default', new Parameter(zeros([4, 1])));
 * dict.get('default').shape; // [4, 1]
 * ```
 */
export class ParameterDict extends Module {
  /** Adds `param` under a new key and returns it. @example `dict.set('default', p)` */
  set(key: string, param: Parameter): Parameter {
    return this.registerParameter(key, param);
  }

  /** Whether `key` holds a parameter. @example `dict.has('default')` */
  has(key: string): boolean {
    return this.lookup(key) !== undefined;
  }

  /** The parameter under `key` (an ArgumentError if there is none). @example `dict.get('default')` */
  get(key: string): Parameter {
    const p = this.lookup(key);
    if (!p) throw new ArgumentError(`ParameterDict.get: no entry "${key}" (entries: ${[...this.keys()].map((k) => `"${k}"`).join(', ') || 'none'})`);
    return p;
  }

  /** The keys, in the order they were added. @example `[...dict.keys()]` */
  *keys(): IterableIterator<string> {
    for (const [k] of this.namedParameters({ recurse: false })) yield k;
  }

  /** A new dict sharing every entry but `key`. @example `const rest = dict.without('old')` */
  without(key: string): ParameterDict {
    const out = new ParameterDict();
    for (const [k, p] of this.namedParameters({ recurse: false })) if (k !== key) out.set(k, p);
    out.training = this.training;
    return out;
  }

  private lookup(key: string): Parameter | undefined {
    for (const [k, p] of this.namedParameters({ recurse: false })) if (k === key) return p;
    return undefined;
  }
}
