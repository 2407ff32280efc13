import { Identity, Module, type ModuleDict, Parameter, type Tensor, keep, noGrad, tidy } from '@peft/core';
import { add, cast, div, linear, matmul, mul, norm, reshape, sub, transpose } from '@peft/core/plugin';
import type { LoraVariant } from './lora-variant.js';

/**
 * DoRA's learned magnitude for one adapter: one value per output feature, in `weight` (so its
 * in-memory name is `lora_magnitude_vector.<adapter>.weight`, saved as `lora_magnitude_vector`).
 *
 * @example
 * ```ts
 * const m = new DoraMagnitude(rowNorms); // rowNorms: [out]
 * m.weight.shape; // [out]
 * ```
 */
export class DoraMagnitude extends Module {
  readonly weight: Parameter;

  constructor(value: Tensor) {
    super();
    this.weight = this.registerParameter('weight', new Parameter(value));
  }

  override extraRepr(): string {
    return `${this.weight.shape[0]}`;
  }
}

/**
 * What the DoRA variants need from a LoRA layer. "Rows" are the output features: the weight seen as
 * `[out, in]` (for an embedding, `[dim, vocab]`). `baseTransposed` says that the base weight is
 * stored the other way round (`[in, out]`: GPT-2's Conv1D and every embedding table).
 *
 * @example
 * ```ts
 * const rows = layer.baseTransposed ? transpose(layer.baseWeight()) : layer.baseWeight();
 * ```
 */
export interface DoraLayer extends Module {
  readonly loraMagnitudeVector: ModuleDict<DoraMagnitude>;
  readonly baseTransposed: boolean;
  baseWeight(): Parameter;
  scalingOf(name: string): number;
  /** `B·A` without scaling, `[out, in]`. */
  loraProduct(name: string): Tensor;
  /** `scaling·B·A` in the base weight's layout. */
  deltaWeight(name: string): Tensor;
}

/** The weight as `[out, in]`. */
function rows(layer: DoraLayer, w: Tensor): Tensor {
  return layer.baseTransposed ? transpose(w) : w;
}

/**
 * ‖W + scaling·B·A‖ per output row, with no gradient (DoRA treats it as a constant, section 4.3 of
 * the paper, as Hugging Face PEFT does).
 *
 * @example
 * ```ts
 * const n = doraWeightNorm(layer, 'default'); // [out]
 * ```
 */
export function doraWeightNorm(layer: DoraLayer, name: string): Tensor {
  return noGrad(() => {
    const w = rows(layer, layer.baseWeight().detach());
    return norm(add(w, mul(layer.loraProduct(name).detach(), layer.scalingOf(name))), 2, 1);
  });
}

/**
 * DoRA's merge and unmerge, shared by the Linear and Embedding variants: merging writes
 * `magnitude / ‖W + ΔW‖ ⊙ (W + ΔW)` (row-wise) into the base weight and keeps the norm, so that
 * unmerging can divide it back out exactly.
 */
abstract class DoraVariantBase<L extends DoraLayer> implements LoraVariant<L> {
  /** The row norms at merge time (unmerge needs the norm of the original weight). */
  private mergedNorm: Tensor | null = null;

  init(layer: L, name: string): void {
    const value = tidy(() => doraWeightNorm(layer, name));
    if (layer.loraMagnitudeVector.has(name)) {
      const mag = layer.loraMagnitudeVector.get(name).weight;
      noGrad(() => tidy(() => void mag.assign(value)));
      value.dispose();
    } else {
      layer.loraMagnitudeVector.set(name, new DoraMagnitude(value));
    }
  }

  abstract forward(layer: L, name: string, x: Tensor, result: Tensor): Tensor;

  /** The per-row factor shaped to broadcast over the base weight's layout. */
  private factor(layer: L, name: string, n: Tensor): Tensor {
    const f = div(layer.loraMagnitudeVector.get(name).weight, n);
    return reshape(f, layer.baseTransposed ? [1, f.shape[0]] : [f.shape[0], 1]);
  }

  merge(layer: L, name: string): void {
    const w = layer.baseWeight();
    noGrad(() =>
      tidy(() => {
        const merged = add(w, layer.deltaWeight(name));
        const n = norm(rows(layer, merged), 2, 1);
        this.mergedNorm?.dispose();
        this.mergedNorm = keep(n);
        w.assign(cast(mul(this.factor(layer, name, n), merged), w.dtype));
      }),
    );
  }

  unmerge(layer: L, name: string): void {
    const n = this.mergedNorm;
    if (!n) return;
    const w = layer.baseWeight();
    noGrad(() => tidy(() => void w.assign(cast(sub(div(w, this.factor(layer, name, n)), layer.deltaWeight(name)), w.dtype))));
    n.dispose();
    this.mergedNorm = null;
  }

  state(layer: L, name: string): Map<string, Parameter> {
    return new Map([['lora_magnitude_vector', layer.loraMagnitudeVector.get(name).weight]]);
  }

  remove(layer: L, name: string): void {
    layer.loraMagnitudeVector.delete(name)?.dispose();
    this.mergedNorm?.dispose();
    this.mergedNorm = null;
  }
}

/**
 * What DoRA's Linear forward needs besides {@link DoraLayer}: the adapter's modules and the base bias.
 *
 * @example
 * ```ts
 * const y = layer.loraB.get('default').forward(layer.loraA.get('default').forward(x));
 * ```
 */
export interface DoraLinearLayer extends DoraLayer {
  readonly bias: Parameter | null;
  dropoutOf(name: string): Module & { forward(x: Tensor): Tensor };
  loraA: ModuleDict<Module & { forward(x: Tensor): Tensor }>;
  loraB: ModuleDict<Module & { forward(x: Tensor): Tensor }>;
}

/**
 * DoRA on a dense layer (Hugging Face PEFT 0.21): with `m` the magnitude and `n = ‖W + s·B·A‖` per
 * row (no gradient), the adapter adds `(m/n − 1) · (x·Wᵀ) + (m/n) · s · B·A·x`. Without active
 * dropout `x·Wᵀ` is the incoming result minus the base bias; with dropout it is recomputed from the
 * dropped-out input.
 *
 * @example
 * ```ts
 * layer.addAdapter('default', ctx); // ctx.config.useDora: the layer makes a DoraLinearVariant
 * ```
 */
export class DoraLinearVariant extends DoraVariantBase<DoraLinearLayer> {
  forward(layer: DoraLinearLayer, name: string, x: Tensor, result: Tensor): Tensor {
    const s = layer.scalingOf(name);
    const dropout = layer.dropoutOf(name);
    const scale = div(layer.loraMagnitudeVector.get(name).weight, doraWeightNorm(layer, name));
    let input = x;
    let baseOut: Tensor;
    if (dropout instanceof Identity || !layer.training) {
      baseOut = layer.bias ? sub(result, layer.bias) : result;
    } else {
      input = dropout.forward(x);
      baseOut = linear(input, rows(layer, layer.baseWeight()));
    }
    const loraOut = layer.loraB.get(name).forward(layer.loraA.get(name).forward(input));
    return add(result, add(mul(sub(scale, 1), baseOut), mul(mul(loraOut, scale), s)));
  }
}

/**
 * What DoRA's Embedding forward needs besides {@link DoraLayer}: the adapter's lookup `Aᵀ[ids]`.
 *
 * @example
 * ```ts
 * const h = layer.lookupA('default', ids); // [..., r]
 * ```
 */
export interface DoraEmbeddingLayer extends DoraLayer {
  lookupA(name: string, ids: Tensor): Tensor;
  loraEmbeddingB(name: string): Parameter;
}

/**
 * DoRA on an embedding table (Hugging Face PEFT 0.21): rows are the embedding dimensions, and the
 * output becomes `(m/n) · result + (m/n) · s · Aᵀ[ids]·Bᵀ`.
 *
 * @example
 * ```ts
 * embeddingLayer.addAdapter('default', ctx); // ctx.config.useDora
 * ```
 */
export class DoraEmbeddingVariant extends DoraVariantBase<DoraEmbeddingLayer> {
  forward(layer: DoraEmbeddingLayer, name: string, ids: Tensor, result: Tensor): Tensor {
    const s = layer.scalingOf(name);
    const scale = div(layer.loraMagnitudeVector.get(name).weight, doraWeightNorm(layer, name));
    const loraOut = matmul(layer.lookupA(name, ids), transpose(layer.loraEmbeddingB(name)));
    return add(mul(result, scale), mul(mul(loraOut, scale), s));
  }
}
