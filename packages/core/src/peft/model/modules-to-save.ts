import { noGrad } from '../../autograd/graph.js';
import { cast } from '../../ops/elementwise.js';
import { tidy } from '../../scope.js';
import { ArgumentError } from '../../errors.js';
import { Module } from '../../nn/module.js';
import { ModuleDict } from '../../nn/module-dict.js';
import type { Parameter } from '../../nn/parameter.js';
import { Tensor } from '../../tensor.js';
import { currentAdapterRows, mixAdapterRows } from './adapter-rows.js';

/**
 * Holds a module of the base model that an adapter trains whole (`modules_to_save`: a classifier head,
 * `ln_f`): the frozen `original_module` and one trainable copy per adapter in `modules_to_save`, as
 * Hugging Face PEFT names them. The forward runs the active adapter's copy, or the original when the
 * adapter is disabled or has no copy here.
 *
 * @example
 * ```ts
 * const w = new ModulesToSaveWrapper(model.getModule('classifier'));
 * w.addAdapter('default');
 * w.forward(pooled); // runs modules_to_save.default
 * ```
 */
export class ModulesToSaveWrapper extends Module {
  /** The base model's module, frozen. */
  readonly original_module: Module;
  /** The trainable copies by adapter name. */
  readonly modules_to_save: ModuleDict;
  /** The adapter whose copy runs (null: the original). */
  activeAdapter: string | null = null;
  /** When true, the original runs whatever is active. */
  disabled = false;

  constructor(original: Module) {
    super();
    if (original instanceof ModulesToSaveWrapper) throw new ArgumentError('ModulesToSaveWrapper: the module is already wrapped');
    this.original_module = this.registerModule('original_module', original);
    this.modules_to_save = this.registerModule('modules_to_save', new ModuleDict());
    original.setRequiresGrad(false);
  }

  /** Adds a trainable copy of the original for adapter `name` and makes it active. @example `w.addAdapter('default')` */
  addAdapter(name: string): void {
    if (!this.modules_to_save.has(name)) this.modules_to_save.set(name, widenHalves(this.original_module.clone()).setRequiresGrad(true));
    this.activeAdapter = name;
  }

  /** Frees adapter `name`'s copy. @example `w.removeAdapter('other')` */
  removeAdapter(name: string): void {
    const m = this.modules_to_save.delete(name);
    m?.dispose();
    if (this.activeAdapter === name) this.activeAdapter = null;
  }

  /** Whether adapter `name` has a copy here. @example `w.hasAdapter('default')` */
  hasAdapter(name: string): boolean {
    return this.modules_to_save.has(name);
  }

  /** The copy's parameters by their names inside the module (`weight`, `bias`). @example `w.adapterState('default')` */
  adapterState(name: string): Map<string, Parameter> {
    return new Map(this.modules_to_save.has(name) ? [...this.modules_to_save.get(name).namedParameters()] : []);
  }

  /** The module that runs now. @example `w.current()` */
  current(): Module {
    if (this.disabled || this.activeAdapter === null || !this.modules_to_save.has(this.activeAdapter)) return this.original_module;
    return this.modules_to_save.get(this.activeAdapter);
  }

  /**
   * Runs the current module's forward with the same arguments. In a mixed batch (`withAdapterRows`)
   * each row takes the output of its adapter's copy (or of the original), when the output is a tensor
   * whose first axis is the batch.
   *
   * @example
   * ```ts
   * w.forward(x);
   * ```
   */
  forward(...args: unknown[]): unknown {
    const run = (m: Module): unknown => (m as unknown as { forward(...a: unknown[]): unknown }).forward(...args);
    const rows = currentAdapterRows();
    if (!rows || this.disabled) return run(this.current());
    const base = run(this.original_module);
    if (!(base instanceof Tensor)) throw new ArgumentError(`ModulesToSaveWrapper: adapterNames needs a tensor output, got ${typeof base}`);
    return mixAdapterRows(base, (name) => (this.modules_to_save.has(name) ? (run(this.modules_to_save.get(name)) as Tensor) : undefined), 'ModulesToSaveWrapper');
  }

  override extraRepr(): string {
    return `adapters=[${[...this.modules_to_save.keys()].join(', ')}]`;
  }
}

/** Widens a module's 16-bit float parameters to f32 in place (what trains keeps f32 precision). */
function widenHalves<M extends Module>(m: M): M {
  for (const [, p] of m.namedParameters()) {
    if (p.dtype === 'bf16' || p.dtype === 'f16') noGrad(() => tidy(() => void p.assign(cast(p, 'f32'), { retype: true })));
  }
  return m;
}
