import { type Backend, type DType, Generator, Parameter, ShapeError, noGrad, tidy, uniform } from '@peft/core';
import { mul } from '@peft/core/plugin';
import type { VeraConfig } from './config.js';

/**
 * The frozen random projections one VeRA adapter shares between all of its layers: `vera_A` of shape
 * `[r, maxIn]` and `vera_B` of shape `[maxOut, r]`, where `maxIn` / `maxOut` are the largest input and
 * output sizes of the wrapped layers; each layer uses the top-left slice it needs.
 *
 * The tensors are made on first use, after every layer has told its sizes ({@link VeraProjections.require}),
 * from a generator seeded with `projection_prng_key` (Kaiming-uniform, as in PEFT). The numbers are
 * this library's, not torch's: keep `save_projection` on (the default) to move adapters between the
 * two libraries, as loading restores the saved projections.
 *
 * @example
 * ```ts
 * const p = new VeraProjections(config, backend, 'f32');
 * p.require(64, 48);
 * p.a.shape; // [r, 64]
 * ```
 */
export class VeraProjections {
  private maxIn = 0;
  private maxOut = 0;
  private tensors?: { a: Parameter; b: Parameter };

  constructor(
    private readonly config: VeraConfig,
    private readonly backend: Backend,
    private readonly dtype: DType,
  ) {}

  /** The adapter's rank. @example `p.r // 256` */
  get r(): number {
    return this.config.r;
  }

  /**
   * Records that a layer of `inFeatures` → `outFeatures` uses the projections. After they are made,
   * a larger layer is a ShapeError (as in PEFT when an adapter is added with incompatible shapes).
   *
   * @example
   * ```ts
   * projections.require(layer.inFeatures, layer.outFeatures);
   * ```
   */
  require(inFeatures: number, outFeatures: number): void {
    if (this.tensors && (inFeatures > this.maxIn || outFeatures > this.maxOut)) {
      throw new ShapeError(
        `vera: a layer of ${inFeatures} → ${outFeatures} features needs projections of at least [${this.r}, ${inFeatures}] and [${outFeatures}, ${this.r}], the adapter's are [${this.r}, ${this.maxIn}] and [${this.maxOut}, ${this.r}]`,
      );
    }
    this.maxIn = Math.max(this.maxIn, inFeatures);
    this.maxOut = Math.max(this.maxOut, outFeatures);
  }

  /** `vera_A`, `[r, maxIn]` (frozen). @example `narrow(p.a, 1, 0, inFeatures)` */
  get a(): Parameter {
    return this.materialize().a;
  }

  /** `vera_B`, `[maxOut, r]` (frozen). @example `narrow(p.b, 0, 0, outFeatures)` */
  get b(): Parameter {
    return this.materialize().b;
  }

  /** Frees both projections. @example `p.dispose()` */
  dispose(): void {
    this.tensors?.a.dispose();
    this.tensors?.b.dispose();
    this.tensors = undefined;
  }

  private materialize(): { a: Parameter; b: Parameter } {
    if (this.tensors) return this.tensors;
    const generator = new Generator(this.config.projectionPrngKey);
    const opts = { backend: this.backend, dtype: this.dtype, generator, low: -1, high: 1 };
    // Kaiming uniform with gain √2: bound √(6 / fan_in), fan_in being the last axis
    const kaiming = (shape: number[]): Parameter =>
      new Parameter(
        noGrad(() => tidy(() => mul(uniform(shape, opts), Math.sqrt(6 / shape[1])))),
        { requiresGrad: false },
      );
    const a = kaiming([this.r, this.maxIn]);
    const b = kaiming([this.maxOut, this.r]);
    this.tensors = { a, b };
    return this.tensors;
  }
}

const shared = new WeakMap<VeraConfig, VeraProjections>();

/**
 * The projections of the adapter whose config is `config` (core gives every layer of one adapter the
 * same config object), made on first request.
 *
 * @example
 * ```ts
 * const p = projectionsFor(ctx.config, weight.backend, weight.dtype);
 * ```
 */
export function projectionsFor(config: VeraConfig, backend: Backend, dtype: DType): VeraProjections {
  let p = shared.get(config);
  if (!p) {
    p = new VeraProjections(config, backend, dtype);
    shared.set(config, p);
  }
  return p;
}
