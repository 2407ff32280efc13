import { ConfigError, type Backend, type Tensor, concat, fromArray, unsqueeze, where } from '@peft/core';
import { add, cast, composite, cos, div, gt, max, mul, narrow, neg, pow, sin, sub } from '@peft/core/plugin';
import { ConfigReader } from '../config-reader.js';
import type { RopeConfig } from './config.js';

const f = Math.fround;

/**
 * Inverse frequencies (`dim / 2` of them, float32 values) and the factor cos and sin are scaled by.
 *
 * @example
 * ```ts
 * const { invFreq, attentionScaling } = ropeFrequencies(rope, 64, 2048);
 * ```
 */
export interface RopeFrequencies {
  readonly invFreq: Float32Array;
  readonly attentionScaling: number;
}

/** `1 / base^(2i/dim)` evaluated with float32 roundings at each step, as torch does in float32. */
function defaultInvFreq(base: number, dim: number): Float32Array {
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) out[i] = f(1 / f(Math.pow(f(base), f((2 * i) / dim))));
  return out;
}

/** yarn's correction dimension for a number of rotations. */
function correctionDim(rotations: number, dim: number, base: number, maxPositions: number): number {
  return (dim * Math.log(maxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
}

function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * The inverse frequencies and attention scaling of a rope variant at initialisation (for `longrope`:
 * the short factors, or the long ones when `long` is set), as transformers' rope init functions
 * compute them in float32.
 *
 * @example
 * ```ts
 * const { invFreq } = ropeFrequencies({ ropeType: 'linear', theta: 10000, params: { factor: 4 } }, 64, 2048);
 * ```
 */
export function ropeFrequencies(rope: RopeConfig, dim: number, maxPositions: number, opts: { long?: boolean } = {}): RopeFrequencies {
  const p = new ConfigReader(rope.params, rope.where ?? 'rope parameters');
  const base = rope.theta;
  switch (rope.ropeType) {
    case 'default':
      return { invFreq: defaultInvFreq(base, dim), attentionScaling: 1 };
    case 'dynamic': {
      // at initialisation the sequence length is max_position_embeddings (evaluated in float64, as Python does)
      const factor = p.num('factor');
      const grown = base * ((factor * maxPositions) / maxPositions - (factor - 1)) ** (dim / (dim - 2));
      return { invFreq: defaultInvFreq(grown, dim), attentionScaling: 1 };
    }
    case 'linear': {
      const factor = p.num('factor');
      return { invFreq: defaultInvFreq(base, dim).map((x) => f(x / factor)), attentionScaling: 1 };
    }
    case 'llama3': {
      const factor = p.num('factor');
      const low = p.num('low_freq_factor');
      const high = p.num('high_freq_factor');
      const old = switchLength(p, maxPositions);
      const lowWavelen = old / low;
      const highWavelen = old / high;
      const inv = defaultInvFreq(base, dim).map((x) => {
        const wavelen = f(f(2 * Math.PI) / x);
        const scaled = wavelen > lowWavelen ? f(x / factor) : x;
        if (wavelen < highWavelen || wavelen > lowWavelen) return scaled;
        const smooth = f(f(f(old / wavelen) - low) / (high - low));
        return f(f(f(f(1 - smooth) * scaled) / factor) + f(smooth * scaled));
      });
      return { invFreq: inv, attentionScaling: 1 };
    }
    case 'yarn':
      return yarnFrequencies(p, base, dim, maxPositions);
    case 'longrope':
      return longropeFrequencies(p, base, dim, maxPositions, opts.long ?? false);
    default:
      throw new ConfigError(`rope: unsupported rope_type ${JSON.stringify(rope.ropeType)}`);
  }
}

function yarnFrequencies(p: ConfigReader, base: number, dim: number, maxPositions: number): RopeFrequencies {
  const original = p.has('original_max_position_embeddings') ? p.int('original_max_position_embeddings') : maxPositions;
  const factor = p.has('factor') ? p.num('factor') : maxPositions / original;
  let attentionFactor = p.has('attention_factor') ? p.num('attention_factor') : undefined;
  const mscale = p.has('mscale') ? p.num('mscale') : 0;
  const mscaleAllDim = p.has('mscale_all_dim') ? p.num('mscale_all_dim') : 0;
  if (attentionFactor === undefined) {
    attentionFactor = mscale && mscaleAllDim ? yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim) : yarnMscale(factor);
  }
  const betaFast = p.has('beta_fast') && p.num('beta_fast') !== 0 ? p.num('beta_fast') : 32;
  const betaSlow = p.has('beta_slow') && p.num('beta_slow') !== 0 ? p.num('beta_slow') : 1;
  const truncate = p.has('truncate') ? p.bool('truncate') : true;
  let low = correctionDim(betaFast, dim, base, original);
  let high = correctionDim(betaSlow, dim, base, original);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001;
  const half = dim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const posFreq = f(Math.pow(f(base), f((2 * i) / dim)));
    const extrapolation = f(1 / posFreq);
    const interpolation = f(1 / f(f(factor) * posFreq));
    const ramp = Math.min(Math.max(f(f(i - f(low)) / f(f(high) - f(low))), 0), 1);
    const extrapolationFactor = f(1 - ramp);
    inv[i] = f(f(interpolation * f(1 - extrapolationFactor)) + f(extrapolation * extrapolationFactor));
  }
  return { invFreq: inv, attentionScaling: attentionFactor };
}

function longropeFrequencies(p: ConfigReader, base: number, dim: number, maxPositions: number, long: boolean): RopeFrequencies {
  const original = switchLength(p, maxPositions);
  const factor = p.has('factor') ? p.num('factor') : maxPositions / original;
  const attentionFactor = p.has('attention_factor')
    ? p.num('attention_factor')
    : factor <= 1
      ? 1
      : Math.sqrt(1 + Math.log(factor) / Math.log(original));
  const name = long ? 'long_factor' : 'short_factor';
  const ext = p.raw[name] as number[];
  if (ext.length !== dim / 2) p.fail(name, `a list of ${dim / 2} numbers (rotary dim / 2)`, `a list of ${ext.length}`);
  const inv = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) inv[i] = f(1 / f(f(ext[i]) * f(Math.pow(f(base), f((2 * i) / dim)))));
  return { invFreq: inv, attentionScaling: attentionFactor };
}

/** The pretraining length of yarn, llama3 and longrope (`original_max_position_embeddings`, else `max_position_embeddings`). */
function switchLength(p: ConfigReader, maxPositions: number): number {
  return p.has('original_max_position_embeddings') ? p.int('original_max_position_embeddings') : maxPositions;
}

/**
 * Rotary position embeddings for a head dimension (transformers' `LlamaRotaryEmbedding`): `cos` and
 * `sin` `[batch, seq, dim]` of each position, the frequencies repeated for the two halves. Position
 * ids may differ per row. `dynamic` (NTK) recomputes the base from the longest position + 1 once it
 * exceeds `max_position_embeddings`, and `longrope` switches to its long factors past the original
 * length; both choices happen on the device, so forward stays synchronous. (transformers keeps the
 * largest dynamic base seen so far between calls; here each call uses its own positions.)
 *
 * @example
 * ```ts
 * const rotary = new LlamaRotaryEmbedding(config.rope, config.headDim, config.maxPositionEmbeddings);
 * const { cos, sin } = rotary.forward(positionIds);
 * ```
 */
export class LlamaRotaryEmbedding {
  readonly invFreq: Float32Array;
  readonly attentionScaling: number;
  private readonly longInvFreq?: Float32Array;

  constructor(
    readonly rope: RopeConfig,
    readonly dim: number,
    readonly maxPositions: number,
  ) {
    const init = ropeFrequencies(rope, dim, maxPositions);
    this.invFreq = init.invFreq;
    this.attentionScaling = init.attentionScaling;
    if (rope.ropeType === 'longrope') this.longInvFreq = ropeFrequencies(rope, dim, maxPositions, { long: true }).invFreq;
  }

  /** `cos`, `sin` `[batch, seq, dim]` (f32) for i32 `positionIds` `[batch, seq]`. @example `rotary.forward(pos)` */
  forward(positionIds: Tensor): { cos: Tensor; sin: Tensor } {
    const scaled = (fn: (x: Tensor) => Tensor): Tensor =>
      composite(() => {
        const y = fn(this.angles(positionIds));
        return this.attentionScaling === 1 ? y : mul(y, this.attentionScaling);
      });
    return { cos: scaled(cos), sin: scaled(sin) };
  }

  /** `position · invFreq` repeated for both halves: `[batch, seq, dim]`. */
  private angles(positionIds: Tensor): Tensor {
    const [b, s] = positionIds.shape;
    const pos = cast(positionIds, 'f32').reshape([b, s, 1]);
    const freqs = mul(pos, this.invFreqFor(pos, positionIds.backend).reshape([1, 1, this.dim / 2]));
    return concat([freqs, freqs], -1);
  }

  private invFreqFor(pos: Tensor, backend: Backend): Tensor {
    const base = fromArray(this.invFreq, [this.dim / 2], { dtype: 'f32', backend });
    if (this.rope.ropeType !== 'dynamic' && this.rope.ropeType !== 'longrope') return base;
    const seqLen = add(max(pos), 1);
    const limit = this.rope.ropeType === 'longrope' ? switchLength(new ConfigReader(this.rope.params), this.maxPositions) : this.maxPositions;
    const beyond = gt(seqLen, limit);
    if (this.rope.ropeType === 'longrope') return where(beyond, fromArray(this.longInvFreq!, [this.dim / 2], { dtype: 'f32', backend }), base);
    const factor = this.rope.params.factor as number;
    const d = this.dim;
    const growth = sub(div(mul(seqLen, factor), this.maxPositions), factor - 1);
    const newBase = mul(pow(growth, d / (d - 2)), this.rope.theta);
    const exponents = fromArray(
      Array.from({ length: d / 2 }, (_, i) => f((2 * i) / d)),
      [d / 2],
      { dtype: 'f32', backend },
    );
    const dynamic = div(1, pow(newBase, exponents));
    return where(beyond, dynamic, base);
  }
}

/**
 * transformers' `rotate_half`: `[x1, x2] → [-x2, x1]` over the halves of the last axis.
 *
 * @example
 * ```ts
 * const r = rotateHalf(q); // q [b, h, s, d]
 * ```
 */
export function rotateHalf(x: Tensor): Tensor {
  return composite(() => {
    const d = x.shape[x.rank - 1];
    return concat([neg(narrow(x, -1, d / 2, d / 2)), narrow(x, -1, 0, d / 2)], -1);
  });
}

/**
 * Rotates queries or keys `[batch, heads, seq, dim]` by `cos`/`sin` `[batch, seq, dim]`:
 * `x·cos + rotateHalf(x)·sin`.
 *
 * @example
 * ```ts
 * const qr = applyRotary(q, cos, sin);
 * ```
 */
export function applyRotary(x: Tensor, cosT: Tensor, sinT: Tensor): Tensor {
  return composite(() => {
    const c = unsqueeze(cosT, 1);
    const s = unsqueeze(sinT, 1);
    return add(mul(x, c), mul(rotateHalf(x), s));
  });
}
