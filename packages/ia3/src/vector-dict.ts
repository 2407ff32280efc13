import { ArgumentError, Module, type Parameter } from '@peft/core';

/**
 * Parameters under adapter names, like `torch.nn.ParameterDict`: each entry is a parameter of this
 * module itself, so its in-memory name is `<dict>.<adapter>` (`ia3_l.default`), with no `.weight`.
 * A module's parameters cannot be unregistered, so removing an entry makes a new dict
 * ({@link VectorDict.without}).
 *
 * @example
 * ```ts
 * const dict = new VectorDict();
 * dict.set('default', new Parameter(ones([96, 1])));
 * dict.get('default').shape; // [96, 1]
 * ```
 */
export class VectorDict extends Module {
  /** Adds a parameter under a new key and returns it. @example `dict.set('default', p)` */
  set(key: string, param: Parameter): Parameter {
    return this.registerParameter(key, param);
  }

  /** Whether a key is present. @example `dict.has('default')` */
  has(key: string): boolean {
    return this.find(key) !== undefined;
  }

  /** The parameter under `key`; an ArgumentError names the keys when it is absent. @example `dict.get('default')` */
  get(key: string): Parameter {
    const p = this.find(key);
    if (!p) throw new ArgumentError(`VectorDict.get: no entry "${key}" (keys: ${[...this.keys()].map((k) => `"${k}"`).join(', ') || 'none'})`);
    return p;
  }

  /** The keys in insertion order. @example `[...dict.keys()]` */
  *keys(): IterableIterator<string> {
    for (const [k] of this.namedParameters({ recurse: false })) yield k;
  }

  /**
   * A new dict with every entry but `key`, or with `key` holding `replacement` in the same place
   * (parameters are shared, not copied).
   *
   * @example
   * ```ts
   * const rest = dict.without('old');
   * ```
   */
  without(key: string, replacement?: Parameter): VectorDict {
    const out = new VectorDict();
    for (const [k, p] of this.namedParameters({ recurse: false })) {
      if (k !== key) out.set(k, p);
      else if (replacement) out.set(k, replacement);
    }
    out.training = this.training;
    return out;
  }

  private find(key: string): Parameter | undefined {
    for (const [k, p] of this.namedParameters({ recurse: false })) if (k === key) return p;
    return undefined;
  }
}
