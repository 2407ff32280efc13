import { ArgumentError } from '../errors.js';
import { Module } from './module.js';
import { isParameter, type Parameter } from './parameter.js';

/**
 * Parameters under string keys (usually adapter names), in insertion order, like
 * `torch.nn.ParameterDict`. Each entry is a parameter of the dict itself, so inside a parent the
 * entry is named `<dict>.<key>` with no `.weight` after it (`ia3_l.default`,
 * `lora_embedding_A.default`, `hada_w1_a.default`), exactly as Hugging Face PEFT names them. For
 * entries that are whole layers (`lora_A.default.weight`) use `ModuleDict` instead.
 *
 * {@link ParameterDict.delete} removes an entry in place (the others keep their order);
 * {@link ParameterDict.without} returns a new dict holding the other entries instead.
 *
 * @example
 * ```ts
 * class Scale extends Module {
 *   readonly l = this.registerModule('ia3_l', new ParameterDict());
 * }
 * const m = new Scale();
 * m.l.set('default', new Parameter(ones([8, 1])));
 * [...m.stateDict().keys()]; // ['ia3_l.default']
 * ```
 */
export class ParameterDict extends Module {
  /**
   * Adds `param` under a new `key` (no dots) and returns it; a key already present is an
   * ArgumentError.
   *
   * @example
   * ```ts
   * const a = dict.set('default', new Parameter(zeros([4, 100])));
   * ```
   */
  set(key: string, param: Parameter): Parameter {
    return this.registerParameter(key, param);
  }

  /**
   * Whether `key` is present.
   *
   * @example
   * ```ts
   * if (dict.has('other')) dict.get('other').dispose();
   * ```
   */
  has(key: string): boolean {
    return this.find(key) !== undefined;
  }

  /**
   * The parameter under `key`; an absent key is an ArgumentError that lists the keys present.
   *
   * @example
   * ```ts
   * const a = dict.get('default'); // the live Parameter, not a copy
   * ```
   */
  get(key: string): Parameter {
    const p = this.find(key);
    if (p) return p;
    const present = [...this.keys()].map((k) => `"${k}"`).join(', ') || 'none';
    throw new ArgumentError(`ParameterDict.get: no entry "${key}" (keys: ${present})`);
  }

  /**
   * Removes the entry under `key` in place and returns its parameter (not disposed: dispose it
   * yourself if it is no longer needed); an absent key gives undefined. The other entries keep their
   * order, so the owner's state-dict keys keep theirs.
   *
   * @example
   * ```ts
   * dict.delete('other')?.dispose();
   * ```
   */
  delete(key: string): Parameter | undefined {
    return this.removeParameter(key);
  }

  /**
   * The keys in insertion order.
   *
   * @example
   * ```ts
   * [...dict.keys()]; // ['default', 'other']
   * ```
   */
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  /**
   * A new dict with every entry except `key`, in the same order and training mode. The parameters
   * are shared, not copied: dispose the removed one yourself if it is no longer needed. An absent
   * `key` gives a dict with all the entries.
   *
   * @example
   * ```ts
   * const old = dict.get('other');
   * const rest = dict.without('other'); // register `rest` where `dict` was
   * old.dispose();
   * ```
   */
  without(key: string): ParameterDict {
    const out = new ParameterDict();
    for (const [k, p] of this.entries()) if (k !== key) out.set(k, p);
    out.training = this.training;
    return out;
  }

  private find(key: string): Parameter | undefined {
    for (const [k, p] of this.entries()) if (k === key) return p;
    return undefined;
  }

  /** Every key with its parameter (the state dict, unlike `namedParameters`, keeps one parameter held under two keys under both). */
  private *entries(): IterableIterator<[string, Parameter]> {
    for (const [k, t] of this.stateDict()) if (isParameter(t)) yield [k, t];
  }
}
