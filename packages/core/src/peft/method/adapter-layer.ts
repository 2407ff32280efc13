import { noGrad } from '../../autograd/graph.js';
import { MergeError } from '../../errors.js';
import { add, sub } from '../../ops/elementwise.js';
import { composite, tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { Module } from '../../nn/module.js';
import { type Parameter, isParameter } from '../../nn/parameter.js';
import { currentAdapterRows, mixAdapterRows } from '../model/adapter-rows.js';
import type { PeftConfig } from './config-schema.js';
import type { LayerContext } from './layer-context.js';
import type { CompositionChild } from '../composition/composition-block.js';
import { composeAdapters } from '../composition/composition-forward.js';

/**
 * A module that wraps one frozen module of the base model (`base_layer`) and holds any number of named
 * adapters of one method. Core activates, disables, merges and saves adapters through this class; a
 * method writes only what differs: how an adapter is created, how it changes the output, and (to be
 * mergeable) its `deltaWeight`.
 *
 * The default `forward` returns `base_layer(x)` with every active adapter applied in turn; rows of a
 * mixed batch (see `withAdapterRows`) each get their own adapter. Merging adds `deltaWeight` to the
 * base weight; methods whose merge is not additive (DoRA) override `mergeAdapter`/`unmergeAdapter`.
 *
 * @example
 * ```ts
 * class ScaleLayer extends AdapterLayer {
 *   private readonly scales = this.registerModule('scale', new ModuleDict());
 *   addAdapter(name: string) { this.scales.set(name, new ScaleVector(this.outFeatures)); this.adapterNames.push(name); }
 *   …
 * }
 * ```
 */
export abstract class AdapterLayer<C extends PeftConfig = PeftConfig> extends Module {
  /** The wrapped module, frozen. Registered as `base_layer`, as in Hugging Face PEFT. */
  readonly baseLayer: Module;
  /** Names of the adapters this layer holds, in the order they were added. */
  readonly adapterNames: string[] = [];
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

  constructor(base: Module) {
    super();
    this.baseLayer = this.registerModule('base_layer', base);
  }

  /** Creates the parameters of adapter `name` from its config. @example `layer.addAdapter('other', ctx)` */
  abstract addAdapter(name: string, ctx: LayerContext<C>): void;

  /** Frees and forgets adapter `name`'s parameters. @example `layer.removeAdapter('other')` */
  abstract removeAdapter(name: string): void;

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
        w.assign(add(w, this.deltaWeight!(name)));
      }),
    );
  }

  /** Takes adapter `name`'s change back out of the base weight. @example `layer.unmergeAdapter('default')` */
  unmergeAdapter(name: string): void {
    if (!this.deltaWeight) throw new MergeError(`unmerge: ${this.constructor.name} cannot unmerge adapter "${name}" (no deltaWeight)`);
    const w = this.baseWeight();
    noGrad(() => tidy(() => void w.assign(sub(w, this.deltaWeight!(name)))));
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

  /** Forgets adapter `name` here: unmerged first if merged, then its parameters are freed. @internal @example `layer.deleteAdapter('x')` */
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
    this.removeAdapter(name);
    this.adapterNames.splice(this.adapterNames.indexOf(name), 1);
    this.activeAdapters = this.activeAdapters.filter((n) => n !== name);
  }

  override extraRepr(): string {
    return `adapters=[${this.adapterNames.join(', ')}]`;
  }
}
