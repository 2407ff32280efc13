import type { Generator } from '../../random.js';
import type { PeftConfig } from './config-schema.js';

/**
 * What a method is told when it creates an adapter on one module: the adapter's name and config, the
 * module's path in the base model, the `target_modules` entry that matched, and the rank / alpha
 * that `rank_pattern` / `alpha_pattern` give this module (undefined when no pattern matched).
 *
 * @example
 * ```ts
 * const r = ctx.rank ?? ctx.config.r;
 * const alpha = ctx.alpha ?? ctx.config.loraAlpha;
 * ```
 */
export interface LayerContext<C extends PeftConfig = PeftConfig> {
  /** The adapter's name ('default'). */
  readonly adapterName: string;
  /** The adapter's config. */
  readonly config: C;
  /** The wrapped module's path in the base model (`transformer.h.0.attn.c_attn`). */
  readonly path: string;
  /** The `target_modules` entry that matched (the whole path for a regex). */
  readonly targetKey: string;
  /** The rank from `rank_pattern`, if a key matched this module. */
  readonly rank?: number;
  /** The alpha from `alpha_pattern`, if a key matched this module. */
  readonly alpha?: number;
  /** Randomness for initial weights (default: the global generator). */
  readonly generator?: Generator;
}
