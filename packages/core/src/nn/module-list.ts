import { ArgumentError } from '../errors.js';
import { Module } from './module.js';

/**
 * An ordered list of child modules named `0`, `1`, `2` … (GPT-2's `transformer.h`, LLaMA's
 * `model.layers`). Replacing an entry through {@link Module.replaceModule} is seen by `get` and
 * iteration.
 *
 * @example
 * ```ts
 * const h = new ModuleList([new Block(), new Block()]);
 * for (const block of h) x = block.forward(x);
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module {
  private count = 0;

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  /** Number of entries. @example `h.length` */
  get length(): number {
    return this.count;
  }

  /** Appends a module (named by its index) and returns it. @example `h.push(new Block())` */
  push(module: M): M {
    this.registerModule(String(this.count), module);
    this.count++;
    return module;
  }

  /**
   * The entry at `index` (negative counts from the end).
   *
   * @example
   * ```ts
   * const last = h.get(-1);
   * ```
   */
  get(index: number): M {
    const i = index < 0 ? this.count + index : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new ArgumentError(`ModuleList.get: index ${index} is out of range for a list of ${this.count}`);
    }
    return this.child(String(i)) as M;
  }

  /** The entries in order. @example `[...h]` */
  *[Symbol.iterator](): IterableIterator<M> {
    for (const m of this.children()) yield m as M;
  }
}
