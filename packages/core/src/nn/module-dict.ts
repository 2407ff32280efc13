import { ArgumentError } from '../errors.js';
import { Module } from './module.js';

/**
 * Child modules under string keys, in insertion order (the container adapter methods use for
 * `lora_A`, `lora_B`, … keyed by adapter name).
 *
 * @example
 * ```ts
 * const loraA = new ModuleDict<Linear>();
 * loraA.set('default', new Linear(768, 8, { bias: false }));
 * loraA.get('default').forward(x);
 * ```
 */
export class ModuleDict<M extends Module = Module> extends Module {
  constructor(entries?: Iterable<[string, M]> | Readonly<Record<string, M>>) {
    super();
    if (!entries) return;
    const list = Symbol.iterator in entries ? entries : Object.entries(entries);
    for (const [key, m] of list) this.set(key, m);
  }

  /** Number of entries. @example `dict.size` */
  get size(): number {
    let n = 0;
    for (const _ of this.children()) n++;
    return n;
  }

  /** Adds a module under a new key and returns it. @example `dict.set('default', layer)` */
  set(key: string, module: M): M {
    return this.registerModule(key, module);
  }

  /** Whether a key is present. @example `dict.has('default')` */
  has(key: string): boolean {
    return this.child(key) !== undefined;
  }

  /**
   * The module under `key`.
   *
   * @example
   * ```ts
   * dict.get('default');
   * ```
   */
  get(key: string): M {
    const m = this.child(key);
    if (!m) throw new ArgumentError(`ModuleDict.get: no entry "${key}" (keys: ${[...this.keys()].map((k) => `"${k}"`).join(', ')})`);
    return m as M;
  }

  /**
   * Removes the entry under `key` and returns it (its parameters are not disposed).
   *
   * @example
   * ```ts
   * dict.delete('old_adapter')?.dispose();
   * ```
   */
  delete(key: string): M | undefined {
    return this.removeChild(key) as M | undefined;
  }

  /** The keys in insertion order. @example `[...dict.keys()]` */
  *keys(): IterableIterator<string> {
    for (const [k] of this.namedChildren()) yield k;
  }

  /** The modules in insertion order. @example `[...dict.values()]` */
  *values(): IterableIterator<M> {
    for (const m of this.children()) yield m as M;
  }

  /** The entries in insertion order. @example `for (const [name, m] of dict) …` */
  *[Symbol.iterator](): IterableIterator<[string, M]> {
    for (const [k, m] of this.namedChildren()) yield [k, m as M];
  }
}
