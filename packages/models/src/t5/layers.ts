import { Dropout, Linear, Module, ModuleList, RMSNorm, type LayerOptions, type Tensor } from '@peft/core';
import { composite } from '@peft/core/plugin';
import { applyActivation } from '../activation.js';
import { T5Attention, type T5AttentionContext } from './attention.js';
import type { T5Config } from './config.js';

/**
 * The feed-forward of original T5 (transformers' `T5DenseActDense`): `wo(dropout(act(wi(x))))`.
 *
 * @example
 * ```ts
 * const y = new T5DenseActDense(config).forward(x);
 * ```
 */
export class T5DenseActDense extends Module {
  readonly wi: Linear;
  readonly wo: Linear;
  readonly dropout: Dropout;

  constructor(
    readonly config: T5Config,
    opts: LayerOptions = {},
  ) {
    super();
    this.wi = this.registerModule('wi', new Linear(config.dModel, config.dFf, { ...opts, bias: false }));
    this.wo = this.registerModule('wo', new Linear(config.dFf, config.dModel, { ...opts, bias: false }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropoutRate));
  }

  /** @example `ff.forward(x)` */
  forward(x: Tensor): Tensor {
    return composite(() => this.wo.forward(this.dropout.forward(applyActivation(this.config.denseActFn, this.wi.forward(x)))));
  }
}

/**
 * The gated feed-forward of T5 v1.1, FLAN-T5 and mT5 (transformers' `T5DenseGatedActDense`):
 * `wo(dropout(act(wi_0(x)) · wi_1(x)))`.
 *
 * @example
 * ```ts
 * const y = new T5DenseGatedActDense(config).forward(x);
 * ```
 */
export class T5DenseGatedActDense extends Module {
  readonly wi_0: Linear;
  readonly wi_1: Linear;
  readonly wo: Linear;
  readonly dropout: Dropout;

  constructor(
    readonly config: T5Config,
    opts: LayerOptions = {},
  ) {
    super();
    this.wi_0 = this.registerModule('wi_0', new Linear(config.dModel, config.dFf, { ...opts, bias: false }));
    this.wi_1 = this.registerModule('wi_1', new Linear(config.dModel, config.dFf, { ...opts, bias: false }));
    this.wo = this.registerModule('wo', new Linear(config.dFf, config.dModel, { ...opts, bias: false }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropoutRate));
  }

  /** @example `ff.forward(x)` */
  forward(x: Tensor): Tensor {
    return composite(() => {
      const gate = applyActivation(this.config.denseActFn, this.wi_0.forward(x));
      return this.wo.forward(this.dropout.forward(gate.mul(this.wi_1.forward(x))));
    });
  }
}

/**
 * The feed-forward sublayer (transformers' `T5LayerFF`): `x + dropout(ff(layer_norm(x)))`, where the
 * norm is T5's RMS norm (scale only, no bias, no mean subtraction) and `ff` is `DenseReluDense` or,
 * for gated configs, `DenseReluDense` holding `wi_0`/`wi_1` (transformers keeps the name).
 *
 * @example
 * ```ts
 * const y = new T5LayerFF(config).forward(h);
 * ```
 */
export class T5LayerFF extends Module {
  readonly DenseReluDense: T5DenseActDense | T5DenseGatedActDense;
  readonly layer_norm: RMSNorm;
  readonly dropout: Dropout;

  constructor(config: T5Config, opts: LayerOptions = {}) {
    super();
    this.DenseReluDense = this.registerModule('DenseReluDense', config.isGatedAct ? new T5DenseGatedActDense(config, opts) : new T5DenseActDense(config, opts));
    this.layer_norm = this.registerModule('layer_norm', new RMSNorm(config.dModel, { eps: config.layerNormEpsilon, dtype: opts.dtype, backend: opts.backend }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropoutRate));
  }

  /** @example `ff.forward(h)` */
  forward(x: Tensor): Tensor {
    return composite(() => x.add(this.dropout.forward(this.DenseReluDense.forward(this.layer_norm.forward(x)))));
  }
}

/**
 * Self-attention with its pre-norm and residual (transformers' `T5LayerSelfAttention`):
 * `x + dropout(SelfAttention(layer_norm(x)))`.
 *
 * @example
 * ```ts
 * const y = new T5LayerSelfAttention(config, { hasRelativeAttentionBias: true, layerIdx: 0 }).forward(h, ctx);
 * ```
 */
export class T5LayerSelfAttention extends Module {
  readonly SelfAttention: T5Attention;
  readonly layer_norm: RMSNorm;
  readonly dropout: Dropout;

  constructor(config: T5Config, opts: LayerOptions & { hasRelativeAttentionBias: boolean; layerIdx: number }) {
    super();
    this.SelfAttention = this.registerModule('SelfAttention', new T5Attention(config, opts));
    this.layer_norm = this.registerModule('layer_norm', new RMSNorm(config.dModel, { eps: config.layerNormEpsilon, dtype: opts.dtype, backend: opts.backend }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropoutRate));
  }

  /** @example `layer.forward(h, ctx)` */
  forward(x: Tensor, ctx: T5AttentionContext): Tensor {
    return composite(() => x.add(this.dropout.forward(this.SelfAttention.forward(this.layer_norm.forward(x), ctx))));
  }
}

/**
 * Cross-attention over the encoder output, with pre-norm and residual (transformers'
 * `T5LayerCrossAttention`): `x + dropout(EncDecAttention(layer_norm(x), encoder))`. It has no
 * relative position bias; only the encoder's padding mask is added.
 *
 * @example
 * ```ts
 * const y = new T5LayerCrossAttention(config, { layerIdx: 0 }).forward(h, { bias, cache, keyValueStates: encoded });
 * ```
 */
export class T5LayerCrossAttention extends Module {
  readonly EncDecAttention: T5Attention;
  readonly layer_norm: RMSNorm;
  readonly dropout: Dropout;

  constructor(config: T5Config, opts: LayerOptions & { layerIdx: number }) {
    super();
    this.EncDecAttention = this.registerModule('EncDecAttention', new T5Attention(config, { ...opts, hasRelativeAttentionBias: false }));
    this.layer_norm = this.registerModule('layer_norm', new RMSNorm(config.dModel, { eps: config.layerNormEpsilon, dtype: opts.dtype, backend: opts.backend }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropoutRate));
  }

  /** @example `layer.forward(h, ctx)` */
  forward(x: Tensor, ctx: T5AttentionContext): Tensor {
    return composite(() => x.add(this.dropout.forward(this.EncDecAttention.forward(this.layer_norm.forward(x), ctx))));
  }
}

/**
 * What a {@link T5Block} is given per forward: the self-attention bias and cache, and for decoder
 * blocks the cross-attention bias, cache and encoder output.
 *
 * @example
 * ```ts
 * const ctx: T5BlockContext = { self: { bias, cache: undefined } };
 * ```
 */
export interface T5BlockContext {
  readonly self: T5AttentionContext;
  readonly cross?: T5AttentionContext;
}

/**
 * One T5 layer (transformers' `T5Block`): `layer.0` self-attention, `layer.1` cross-attention
 * (decoder only), then the feed-forward (`layer.1` in the encoder, `layer.2` in the decoder).
 *
 * @example
 * ```ts
 * const block = new T5Block(config, { isDecoder: false, hasRelativeAttentionBias: true, layerIdx: 0 });
 * h = block.forward(h, ctx);
 * ```
 */
export class T5Block extends Module {
  readonly layer: ModuleList<Module>;
  private readonly selfAttention: T5LayerSelfAttention;
  private readonly crossAttention: T5LayerCrossAttention | undefined;
  private readonly feedForward: T5LayerFF;

  constructor(config: T5Config, opts: LayerOptions & { isDecoder: boolean; hasRelativeAttentionBias: boolean; layerIdx: number }) {
    super();
    this.selfAttention = new T5LayerSelfAttention(config, opts);
    this.crossAttention = opts.isDecoder ? new T5LayerCrossAttention(config, opts) : undefined;
    this.feedForward = new T5LayerFF(config, opts);
    const layers: Module[] = [this.selfAttention, ...(this.crossAttention ? [this.crossAttention] : []), this.feedForward];
    this.layer = this.registerModule('layer', new ModuleList(layers));
  }

  /** @example `block.forward(h, ctx)` */
  forward(h: Tensor, ctx: T5BlockContext): Tensor {
    return composite(() => {
      let x = (this.layer.get(0) as T5LayerSelfAttention).forward(h, ctx.self);
      if (this.crossAttention) x = (this.layer.get(1) as T5LayerCrossAttention).forward(x, ctx.cross!);
      return (this.layer.get(this.crossAttention ? 2 : 1) as T5LayerFF).forward(x);
    });
  }
}
