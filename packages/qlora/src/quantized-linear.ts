import { type Backend, Module, Parameter, type Tensor, tensor, zeros } from '@peft/core';
import { type LinearLike, type Variable, add, cast } from '@peft/core/plugin';
import type { Matmul4bit } from './kernels/matmul-4bit-spec.js';
import { matmul4bit } from './matmul-4bit.js';
import { DYNAMIC_CODE, type QuantType, codeTable } from './codebooks.js';
import { NESTED_BLOCKSIZE, type QuantState4bit, type Quantize4bitOptions, dequantize4bit, quantize4bit } from './quantize.js';

/**
 * The packed codes as little-endian u32 words (bitsandbytes' bytes, zero-padded to a multiple of 4).
 *
 * @example
 * ```ts
 * codeWords(Uint8Array.of(0x75)); // Uint32Array [0x75]
 * ```
 */
export function codeWords(packed: Uint8Array): Uint32Array {
  const bytes = new Uint8Array(Math.ceil(packed.length / 4) * 4);
  bytes.set(packed);
  return new Uint32Array(bytes.buffer);
}

/**
 * A dense layer whose weight is stored in 4 bits (NF4 or FP4, bitsandbytes' layout) on the backend:
 * the code words and the block scales (float32, or 8-bit codes with double quantisation), nothing else. The forward runs core's
 * `matmul4bit`, which dequantises inside the kernel, and adds the float32 bias. The quantised weight
 * is frozen.
 *
 * It offers the {@link LinearLike} fields, so adapter methods wrap it unchanged. `weight` is an
 * empty float32 stand-in (shape `[0]`, frozen): it tells adapters the backend and the compute dtype
 * (float32) without holding a float copy of the weight; any code that needs the weight's values
 * reads {@link QuantizedLinear.dequantize} instead, and shape checks on `weight` fail loudly.
 *
 * @example
 * ```ts
 * const q = await QuantizedLinear.fromLinear(new Linear(64, 32), { quantType: 'nf4' });
 * const y = q.forward(x); // [..., 64] -> [..., 32]
 * ```
 */
export class QuantizedLinear extends Module implements LinearLike {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  /** The code words, u32 `[ceil(numel / 8)]`. */
  readonly packedWeight: Variable;
  /**
   * The block scales: float32, or with double quantisation (`state.nested`) their 8-bit codes as u32
   * words (four per word), decoded in the kernel with {@link QuantizedLinear.nestedAbsmax}.
   */
  readonly absmax: Variable;
  /** The outer float32 scales of the double-quantised block scales (one per 256 blocks), or null. */
  readonly nestedAbsmax: Variable | null;
  private readonly spec: Matmul4bit;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly fanInFanOut: boolean,
    /** The host copy of the quantised state (packed bytes, scales, double-quant statistics). */
    readonly state: QuantState4bit,
    bias: Tensor | null,
    backend: Backend,
  ) {
    super();
    const [rows, cols] = fanInFanOut ? [inFeatures, outFeatures] : [outFeatures, inFeatures];
    this.weight = this.registerParameter('weight', new Parameter(zeros([0], { backend }), { requiresGrad: false }));
    this.bias = bias ? this.registerParameter('bias', new Parameter(bias, { requiresGrad: false })) : null;
    this.packedWeight = this.registerBuffer('weight_packed', tensor(codeWords(state.packed), { dtype: 'u32', backend }));
    const nested = state.nested;
    this.absmax = this.registerBuffer('weight_absmax', nested ? tensor(codeWords(nested.absmaxQ), { dtype: 'u32', backend }) : tensor(state.absmax, { backend }));
    this.nestedAbsmax = nested ? this.registerBuffer('weight_nested_absmax', tensor(nested.nestedAbsmax, { backend })) : null;
    this.spec = {
      code: Array.from(codeTable(state.quantType)),
      blocksize: state.blocksize,
      rows,
      cols,
      transpose: !fanInFanOut,
      ...(nested ? { nested: { code: Array.from(DYNAMIC_CODE), blocksize: NESTED_BLOCKSIZE, offset: nested.offset } } : {}),
    };
  }

  /**
   * Quantises a dense layer (Linear `[out, in]` or Conv1D `[in, out]`): reads its weight, quantises it
   * on the host and uploads only the 4-bit form. The bias is kept in float32.
   *
   * @example
   * ```ts
   * const q = await QuantizedLinear.fromLinear(layer, { quantType: 'nf4', blocksize: 64, doubleQuant: true });
   * ```
   */
  static async fromLinear(layer: Module & LinearLike, options: Quantize4bitOptions = {}): Promise<QuantizedLinear> {
    const w = layer.weight;
    const values = await hostFloats(w);
    const state = quantize4bit(values, w.shape, options);
    // a fresh copy of the bias, so the float layer can be freed
    const bias = layer.bias ? tensor(await hostFloats(layer.bias), { backend: w.backend }) : null;
    return new QuantizedLinear(layer.inFeatures, layer.outFeatures, layer.fanInFanOut, state, bias, w.backend);
  }

  /** The 4-bit type of the weight. @example `q.quantType // 'nf4'` */
  get quantType(): QuantType {
    return this.state.quantType;
  }

  /**
   * The dequantised weight in its layout (`[out, in]`, or `[in, out]` for Conv1D), float32, as a new
   * tensor on the layer's backend (for merging and export; the forward never builds it).
   *
   * @example
   * ```ts
   * const w = q.dequantize();
   * ```
   */
  dequantize(): Tensor {
    const shape = this.fanInFanOut ? [this.inFeatures, this.outFeatures] : [this.outFeatures, this.inFeatures];
    return tensor(dequantize4bit(this.state), { backend: this.packedWeight.backend }).reshape(shape);
  }

  /**
   * Bytes the quantised weight takes on the backend (code words and scales; the bias not included).
   *
   * @example
   * ```ts
   * q.weightBytes(); // 4096² / 2 + 4096² / 64 · 4 for a 4096² NF4 layer (· 1 + a little with double quantisation)
   * ```
   */
  weightBytes(): number {
    return this.packedWeight.size * 4 + this.absmax.size * 4 + (this.nestedAbsmax ? this.nestedAbsmax.size * 4 : 0);
  }

  /** `x @ Wᵀ + b` with the 4-bit weight dequantised in the kernel. @example `q.forward(x)` */
  forward(x: Tensor): Tensor {
    const xf = x.dtype === 'f32' ? x : cast(x, 'f32');
    const y = matmul4bit(xf, this.packedWeight, this.absmax, this.spec, this.nestedAbsmax ?? undefined);
    return this.bias ? add(y, this.bias) : y;
  }

  override extraRepr(): string {
    const dq = this.state.nested ? ', double_quant' : '';
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}, ${this.quantType}, blocksize=${this.state.blocksize}${dq}`;
  }
}

/** A tensor's values as float32 on the host; the cast (a view of the same memory when already f32) is released, so freeing the layer frees its weight. */
async function hostFloats(t: Tensor): Promise<Float32Array> {
  const f = t.cast('f32');
  try {
    return Float32Array.from((await f.data()) as ArrayLike<number>);
  } finally {
    f.dispose();
  }
}
