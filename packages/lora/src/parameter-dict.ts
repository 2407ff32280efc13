import { ArgumentError, Module, type Parameter } from '@peft/core';

/**
 * Parameters under string keys, like `torch.nn.ParameterDict`: each entry is a parameter of this
 * module itself, so its name is `<dict>.<key>` (`lora_embedding_A.default`), with no `.weight`.
 *
 * Entries cannot be removed one by one (a module's parameters are fixed once registered); use
 * {@link ParameterDict.without} to get a new dict holding the other entries.
 *
 * @example
 * ```ts
 * const dict = new ParameterDict();
 * dict.set('default', new Parameter(zeros([4, 100])));
 * dict.get('default').shape; // [4, 100]
 * ```
 */
export class ParameterDict extends Module {
  /** Adds a parameter under a new key and returns it. @example `dict.set('default', p)` */
  set(key: string, param: Parameter): Parameter {
    return this.registerParameter(key, param);
  }

  /** Whether a key is present. @example `dict.has('default')` */
  has(key: string): boolean {
    return this.find(key) !== undefined;
  }

  /**
   * The parameter under `key`.
   *
   * @example
   * ```ts
   * const a = dict.get('default');
   * ```
   */
  get(key: string): Parameter {
    const p = this.find(key);
    if (!p) throw new ArgumentError(`ParameterDict.get: no entry "${key}" (keys: ${[...this.keys()].map((k) => `"${k}"`).join(', ')})`);
    return p;
  }

  /** The keys in insertion order. @example `[...dict.keys()]` */
  *keys(): IterableIterator<string> {
    for (const [k] of this.namedParameters({ recurse: false })) yield k;
  }

  /**
   * A new dict with every entry except `key` (the parameters are shared, not copied).
   *
   * @example
   * ```ts
   * const rest = dict.without('old');
   * ```
   */
  without(key: string): ParameterDict {
    const out = new ParameterDict();
    for (const [k, p] of this.namedParameters({ recurse: false })) if (k !== key) out.set(k, p);
    out.training = this.training;
    return out;
  }

  private find(key: string): Parameter | undefined {
    for (const [k, p] of this.namedParameters({ recurse: false })) if (k === key) return p;
    return undefined;
  }
}
