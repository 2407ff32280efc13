import { noGrad } from '../../autograd/graph.js';
import { ArgumentError, MergeError } from '../../errors.js';
import { add, cast, sub } from '../../ops/elementwise.js';
import { composite, tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { Module } from '../../nn/module.js';
import type { ModuleDict } from '../../nn/module-dict.js';
import { type Parameter, isParameter } from '../../nn/parameter.js';
import { ParameterDict } from '../../nn/parameter-dict.js';
import { currentAdapterRows, mixAdapterRows } from '../model/adapter-rows.js';
import type { PeftConfig } from './config-schema.js';
import type { LayerContext } from './layer-context.js';
import type { CompositionChild } from '../composition/composition-block.js';
import { composeAdapters } from '../composition/composition-forward.js';

/**
 * What {@link AdapterLayer.createAdapter} returns for one new adapter: its entries by the name of the
 * per-adapter table (see {@link AdapterLayer.adapterTable}) that holds them, a `Parameter` for a
 * `ParameterDict` table and a `Module` for a `ModuleDict` one, and the adapter's settings (rank,
 * scaling, dropouts …), which the layer keeps in {@link AdapterLayer.settings}.
 *
 * @example
 * ```ts
 * return { entries: { ia3_l: new Parameter(ones([this.outFeatures, 1])) }, settings: { feedforward: false } };
 * ```
 */
export interface NewAdapter<S> {
  /** The adapter's entries by table name; tables left out get no entry for this adapter. */
  readonly entries: Readonly<Record<string, Parameter | Module>>;
  /** The adapter's settings. */
  readonly settings: S;
}

/**
 * A module that wraps one frozen module of the base model (`base_layer`) and holds any number of named
 * adapters of one method. Core activates, disables, merges, saves and deletes adapters through this
 * class; a method writes only what differs: the tables its adapters live in, how one adapter is
 * created, how it changes the output, and (to be mergeable) its `deltaWeight`.
 *
 * Adding is a template: {@link AdapterLayer.addAdapter} checks the name, asks the method's
 * {@link AdapterLayer.createAdapter} for the adapter's entries and settings, puts each entry into its
 * table (registered in the constructor with {@link AdapterLayer.adapterTable}, in the order the
 * state dict lists them), keeps the settings in {@link AdapterLayer.settings} and records the name.
 * {@link AdapterLayer.deleteAdapter} undoes all of it, so methods write no removal code.
 *
 * The default `forward` returns `base_layer(x)` with every active adapter applied in turn; rows of a
 * mixed batch (see `withAdapterRows`) each get their own adapter. Merging adds `deltaWeight` to the
 * base weight; methods whose merge is not additive (DoRA) override `mergeAdapter`/`unmergeAdapter`.
 *
 * @example
 * ```ts
 * class ScaleLayer extends AdapterLayer<ScaleConfig, { init: number }> {
 *   private readonly scales = this.adapterTable('scale', new ParameterDict());
 *   protected createAdapter(name: string, ctx: LayerContext<ScaleConfig>) {
 *     return { entries: { scale: new Parameter(ones([this.outFeatures])) }, settings: { init: 1 } };
 *   }
 *   …
 * }
 * ```
 */
export abstract class AdapterLayer<C extends PeftConfig = PeftConfig, S = unknown> extends Module {
  /** The wrapped module, frozen. Registered as `base_layer`, as in Hugging Face PEFT. */
  readonly baseLayer: Module;
  /** Names of the adapters this layer holds, in the order they were added. */
  readonly adapterNames: string[] = [];
  /** Each adapter's settings, as {@link AdapterLayer.createAdapter} made them. */
  readonly settings = new Map<string, S>();
  /** The adapters applied in `forward` (set by the PeftModel). */
  activeAdapters: readonly string[] = [];
  /**
   * How the active adapters combine in `forward` (set by the PeftModel's `setComposition`); when
   * undefined, the active adapters apply in turn.
   */
  composition: CompositionChild | undefined = undefined;
  /** When true, `forward` is the base module's alone (merged adapters are unmerged first). */
  disabled = false;
  /** Adapters whose weights are currently merged into the base weight, in merge order. */
  readonly mergedAdapters: string[] = [];
  private readonly tables = new Map<string, ParameterDict | ModuleDict>();

  constructor(base: Module) {
    super();
    this.baseLayer = this.registerModule('base_layer', base);
  }

  /**
   * Registers `table` as the child `name` that holds one entry per adapter (keyed by adapter name) and
   * returns it. Register tables in the constructor (or as fields), in the order the state dict lists
   * them; {@link AdapterLayer.createAdapter} fills them and {@link AdapterLayer.deleteAdapter} empties them.
   *
   * @example
   * ```ts
   * readonly loraA = this.adapterTable('lora_A', new ModuleDict<Linear>());
   * ```
   */
  protected adapterTable<T extends ParameterDict | ModuleDict>(name: string, table: T): T {
    this.registerModule(name, table);
    this.tables.set(name, table);
    return table;
  }

  /**
   * Adds adapter `name`: checks the name (non-empty, no dots, not held yet), creates its entries and
   * settings with {@link AdapterLayer.createAdapter}, puts the entries into their tables, keeps the
   * settings and records the name, then runs {@link AdapterLayer.adapterAdded}.
   *
   * @throws ArgumentError for a bad or taken name, or an entry for a table the layer does not have.
   * @example
   * ```ts
   * layer.addAdapter('other', { ...ctx, adapterName: 'other' });
   * ```
   */
  addAdapter(name: string, ctx: LayerContext<C>): void {
    const where = `${this.constructor.name}.addAdapter`;
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new ArgumentError(`${where}: expected a non-empty adapter name without dots, got ${JSON.stringify(name)} on ${ctx.path}`);
    }
    if (this.hasAdapter(name)) throw new ArgumentError(`${where}: adapter "${name}" already exists on ${ctx.path}`);
    const made = this.createAdapter(name, ctx);
    const missing = Object.keys(made.entries).filter((t) => !this.tables.has(t));
    if (missing.length) {
      throw new ArgumentError(`${where}: no adapter table ${missing.map((t) => `"${t}"`).join(', ')} (tables: ${[...this.tables.keys()].join(', ') || 'none'}); register it with adapterTable`);
    }
    for (const [table, entry] of Object.entries(made.entries)) {
      const t = this.tables.get(table)!;
      if (t instanceof ParameterDict) t.set(name, entry as Parameter);
      else t.set(name, entry as Module);
    }
    this.settings.set(name, made.settings);
    this.adapterNames.push(name);
    this.adapterAdded?.(name, ctx);
  }

  /**
   * Creates adapter `name`'s entries (by table name) and settings from `ctx` (config, rank and alpha
   * from the patterns, randomness). Called by {@link AdapterLayer.addAdapter} after the name is checked.
   *
   * @example
   * ```ts
   * protected createAdapter(name: string, ctx: LayerContext<IA3Config>) {
   *   return { entries: { ia3_l: new Parameter(ones([this.outFeatures, 1])) }, settings: { feedforward: false } };
   * }
   * ```
   */
  protected abstract createAdapter(name: string, ctx: LayerContext<C>): NewAdapter<S>;

  /**
   * Runs after adapter `name` is registered (its entries are in their tables): for set-up that needs
   * them, such as DoRA's magnitudes from the adapted weight.
   *
   * @example
   * ```ts
   * protected override adapterAdded(name: string) { if (this.settingsOf(name).useDora) this.initDora(name); }
   * ```
   */
  protected adapterAdded?(name: string, ctx: LayerContext<C>): void;

  /**
   * Runs before adapter `name`'s entries are taken out of their tables and freed: for state a method
   * keeps elsewhere (DoRA's merge-time norms, pending PiSSA initialisations).
   *
   * @example
   * ```ts
   * protected override adapterDeleted(name: string) { this.pending.delete(name); }
   * ```
   */
  protected adapterDeleted?(name: string): void;

  /**
   * Adapter `name`'s settings; an adapter the layer does not hold is an ArgumentError naming the ones it does.
   *
   * @example
   * ```ts
   * layer.settingsOf('default').scaling;
   * ```
   */
  settingsOf(name: string): S {
    const s = this.settings.get(name);
    if (s === undefined && !this.settings.has(name)) {
      throw new ArgumentError(`${this.constructor.name}: no adapter "${name}" (adapters: ${this.adapterNames.join(', ') || 'none'})`);
    }
    return s as S;
  }

  /**
   * Adapter `name`'s parameters by the names Hugging Face saves them under, relative to this layer
   * (`lora_A.weight`, `lora_embedding_A`, `lora_magnitude_vector`). Saving and loading use this map.
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['lora_A.weight', 'lora_B.weight']
   * ```
   */
  abstract adapterState(name: string): Map<string, Parameter>;

  /** `baseResult` with adapter `name` applied for input `x` (the method's forward). @example `this.applyAdapter('default', x, y)` */
  protected abstract applyAdapter(name: string, x: Tensor, baseResult: Tensor): Tensor;

  /**
   * Adapter `name`'s change of the base weight, in the base weight's layout (`[out, in]` for Linear,
   * `[in, out]` for GPT-2's Conv1D, `[vocab, dim]` for Embedding). Methods that can merge define it.
   *
   * @example
   * ```ts
   * const delta = layer.deltaWeight('default');
   * ```
   */
  deltaWeight?(name: string): Tensor;

  /**
   * Finishes adapter `name`'s initialisation when it needs the base weight's values on the host (PiSSA,
   * OLoRA: an SVD or QR of the weight). Core awaits it right after `addAdapter`, also when the
   * adapter's weights are loaded from a file next (as Python PEFT does, the base becomes the residual).
   *
   * @example
   * ```ts
   * await layer.initializeAdapter?.('default');
   * ```
   */
  initializeAdapter?(name: string): Promise<void>;

  /** Whether this layer holds adapter `name`. @example `layer.hasAdapter('default')` */
  hasAdapter(name: string): boolean {
    return this.adapterNames.includes(name);
  }

  /** The base module's weight, which merging changes. @example `layer.baseWeight().shape` */
  baseWeight(): Parameter {
    const w = (this.baseLayer as unknown as { weight?: unknown }).weight;
    if (!isParameter(w)) throw new MergeError(`merge: ${this.baseLayer.constructor.name} has no weight parameter to merge into`);
    return w;
  }

  /** `base_layer(x)` plus the active adapters (see the class notes). @example `layer.forward(x)` */
  forward(x: Tensor): Tensor {
    const base = this.baseLayer as unknown as { forward(x: Tensor): Tensor };
    if (this.disabled) {
      if (this.mergedAdapters.length) this.unmerge();
      return base.forward(x);
    }
    if (this.mergedAdapters.length) return base.forward(x);
    const rows = currentAdapterRows();
    const active = this.activeAdapters.filter((n) => this.hasAdapter(n));
    if (!rows && active.length === 0) return base.forward(x);
    return composite(() => {
      const y = base.forward(x);
      if (!rows && this.composition !== undefined) {
        const apply = (name: string, xs: Tensor, ys: Tensor): Tensor | undefined => (active.includes(name) ? this.applyAdapter(name, xs, ys) : undefined);
        return composeAdapters(this.composition, x, y, apply, this.constructor.name);
      }
      if (!rows) return active.reduce((acc, name) => this.applyAdapter(name, x, acc), y);
      return mixAdapterRows(y, (name) => (this.hasAdapter(name) ? this.applyAdapter(name, x, y) : undefined), this.constructor.name);
    });
  }

  /**
   * Adds adapter `name`'s change into the base weight (so `forward` costs what the base alone costs).
   *
   * @example
   * ```ts
   * layer.mergeAdapter('default');
   * ```
   */
  mergeAdapter(name: string): void {
    if (!this.deltaWeight) throw new MergeError(`merge: ${this.constructor.name} cannot merge adapter "${name}" (no deltaWeight)`);
    const w = this.baseWeight();
    noGrad(() =>
      tidy(() => {
        // computed in f32, stored in the weight's own dtype (a 16-bit base rounds, as in PEFT)
        w.assign(cast(add(w, this.deltaWeight!(name)), w.dtype));
      }),
    );
  }

  /** Takes adapter `name`'s change back out of the base weight. @example `layer.unmergeAdapter('default')` */
  unmergeAdapter(name: string): void {
    if (!this.deltaWeight) throw new MergeError(`unmerge: ${this.constructor.name} cannot unmerge adapter "${name}" (no deltaWeight)`);
    const w = this.baseWeight();
    noGrad(() => tidy(() => void w.assign(cast(sub(w, this.deltaWeight!(name)), w.dtype))));
  }

  /**
   * Merges the given adapters (default: the active ones) that are not merged yet.
   *
   * @example
   * ```ts
   * layer.merge(['default']);
   * ```
   */
  merge(names: readonly string[] = this.activeAdapters): void {
    for (const name of names) {
      if (!this.hasAdapter(name) || this.mergedAdapters.includes(name)) continue;
      this.mergeAdapter(name);
      this.mergedAdapters.push(name);
    }
  }

  /** Unmerges every merged adapter, last merged first. @example `layer.unmerge()` */
  unmerge(): void {
    while (this.mergedAdapters.length) this.unmergeAdapter(this.mergedAdapters.pop()!);
  }

  /**
   * Deletes adapter `name` from this layer (a name it does not hold is ignored). If it is merged, it
   * is unmerged first, together with every adapter merged after it, and those are merged back
   * afterwards. Then {@link AdapterLayer.adapterDeleted} runs, its entries are taken out of their
   * tables and freed, and its settings, name and active status are dropped.
   *
   * @example
   * ```ts
   * layer.deleteAdapter('other');
   * layer.hasAdapter('other'); // false
   * ```
   */
  deleteAdapter(name: string): void {
    if (!this.hasAdapter(name)) return;
    if (this.mergedAdapters.includes(name)) {
      // take out everything merged after it too, then put those back
      const later: string[] = [];
      while (this.mergedAdapters.length) {
        const last = this.mergedAdapters.pop()!;
        this.unmergeAdapter(last);
        if (last === name) break;
        later.unshift(last);
      }
      this.merge(later);
    }
    this.adapterDeleted?.(name);
    for (const table of this.tables.values()) table.delete(name)?.dispose();
    this.settings.delete(name);
    this.adapterNames.splice(this.adapterNames.indexOf(name), 1);
    this.activeAdapters = this.activeAdapters.filter((n) => n !== name);
  }

  override extraRepr(): string {
    return `adapters=[${this.adapterNames.join(', ')}]`;
  }
}
