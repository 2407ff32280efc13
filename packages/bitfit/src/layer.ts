import { ConfigError, MergeError, type Module, Parameter, ParameterDict, type Tensor, keep, noGrad, tidy } from '@peft/core';
import { add, composite, isParameter, sub, AdapterLayer } from '@peft/core/plugin';
import type { BitFitConfig } from './config.js';

/**
 * The bias a module adds on its output's last axis (`Linear`, GPT-2's `Conv1D`, `LayerNorm`), or
 * undefined when it has none.
 *
 * @example
 * ```ts
 * moduleBias(new Linear(4, 8))?.shape; // [8]
 * ```
 */
export function moduleBias(module: Module): Parameter | undefined {
  const b = (module as unknown as { bias?: unknown }).bias;
  return isParameter(b) && b.rank === 1 ? b : undefined;
}

/**
 * BitFit on one module with a bias: each adapter holds its own trained copy of the module's bias
 * (`bitfit_bias.<name>` in memory, saved as `bias`, so a file's key is the base model's own bias
 * name `base_model.model.<path>.bias`). The copy starts equal to the base bias, so a new adapter is a
 * no-op; the forward is `base(x) + (b_adapter − b_base)`, which is the module with its bias replaced.
 * The base bias itself stays frozen and unchanged, so adapters can be switched, disabled, mixed per
 * row and deleted like any other.
 *
 * Merging writes the trained bias into the base bias (the merged model simply has the trained biases:
 * BitFit's parameters are the model's own weights); unmerging restores the original. Several active
 * adapters add their changes `b_adapter − b_base`.
 *
 * @example
 * ```ts
 * const layer = new BitFitLayer(new Linear(32, 32));
 * layer.addAdapter('default', { adapterName: 'default', config: bitfitConfig(), path: 'proj', targetKey: 'proj' });
 * layer.activeAdapters = ['default'];
 * const y = layer.forward(x); // x·Wᵀ + b_default
 * ```
 */
export class BitFitLayer extends AdapterLayer<BitFitConfig, null> {
  private readonly biases = this.adapterTable('bitfit_bias', new ParameterDict());
  /** The change each merged adapter made to the base bias (to take it back out exactly). */
  private readonly mergedDeltas = new Map<string, Tensor>();

  constructor(base: Module) {
    super(base);
    if (!moduleBias(base)) {
      throw new ConfigError(`bitfit: cannot wrap a ${base.constructor.name}: expected a module with a one-dimensional bias (Linear, Conv1D, LayerNorm)`);
    }
  }

  /** The wrapped module's own bias (frozen). @example `layer.baseBias.shape` */
  get baseBias(): Parameter {
    return moduleBias(this.baseLayer)!;
  }

  /**
   * Creates adapter `name`: a trainable copy of the base bias.
   *
   * @example
   * ```ts
   * layer.addAdapter('other', { ...ctx, adapterName: 'other' });
   * ```
   */
  protected createAdapter(): { entries: { bitfit_bias: Parameter }; settings: null } {
    const copy = noGrad(() => tidy(() => this.baseBias.add(0)));
    return { entries: { bitfit_bias: new Parameter(copy) }, settings: null };
  }

  /**
   * Adapter `name`'s parameters by their saved names: `bias`.
   *
   * @example
   * ```ts
   * [...layer.adapterState('default').keys()]; // ['bias']
   * ```
   */
  adapterState(name: string): Map<string, Parameter> {
    return new Map([['bias', this.biases.get(name)]]);
  }

  /** The change adapter `name` makes to the output, `b_adapter − b_base`. @example `layer.biasDelta('default')` */
  biasDelta(name: string): Tensor {
    return composite(() => sub(this.biases.get(name), this.baseBias));
  }

  protected applyAdapter(name: string, _x: Tensor, baseResult: Tensor): Tensor {
    return composite(() => add(baseResult, this.biasDelta(name)));
  }

  /**
   * Writes adapter `name`'s trained bias into the base bias (its change relative to the unmerged
   * base, so several merged adapters add up as in the forward).
   *
   * @example
   * ```ts
   * layer.merge(['default']);
   * ```
   */
  override mergeAdapter(name: string): void {
    if (!this.hasAdapter(name)) throw new MergeError(`merge: BitFitLayer has no adapter "${name}" (adapters: ${this.adapterNames.join(', ') || 'none'})`);
    const b = this.baseBias;
    noGrad(() =>
      tidy(() => {
        const original = [...this.mergedDeltas.values()].reduce<Tensor>((acc, d) => sub(acc, d), b);
        const delta = keep(sub(this.biases.get(name), original));
        this.mergedDeltas.set(name, delta);
        b.assign(add(b, delta));
      }),
    );
  }

  /** Takes adapter `name`'s change back out of the base bias. @example `layer.unmerge()` */
  override unmergeAdapter(name: string): void {
    const delta = this.mergedDeltas.get(name);
    if (!delta) throw new MergeError(`unmerge: adapter "${name}" is not merged in BitFitLayer`);
    const b = this.baseBias;
    noGrad(() => tidy(() => void b.assign(sub(b, delta))));
    this.mergedDeltas.delete(name);
    delta.dispose();
  }
}
