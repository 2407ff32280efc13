import { ConfigError } from '@peft/core';
import type { ConfigField } from '@peft/core/plugin';

/**
 * How a new LoRA adapter's weights start (`init_lora_weights` in `adapter_config.json`):
 *
 * - `true`: A Kaiming-uniform (a = √5), B zeros, so the adapter starts as a no-op (the default);
 * - `false`: A and B keep `nn.Linear`'s default initialisation (a non-zero change from the start);
 * - `'gaussian'`: A ~ N(0, 1/r²) (std 1/r), B zeros;
 * - `'pissa'`, `'pissa_niter_<k>'`: A and B from the top-r singular triplets of the base weight, which
 *   keeps the remainder (PiSSA);
 * - `'olora'`: A and B from a QR decomposition of the base weight (OLoRA).
 *
 * The two weight-based variants rewrite the base weight so that base + adapter equals the old base.
 *
 * @example
 * ```ts
 * const init: InitLoraWeights = 'pissa_niter_4';
 * ```
 */
export type InitLoraWeights = boolean | 'gaussian' | 'pissa' | `pissa_niter_${number}` | 'olora';

/** Values Hugging Face PEFT knows that this package does not implement. */
const KNOWN_UNSUPPORTED = ['loftq', 'eva', 'corda', 'orthogonal', 'mica', 'lora_ga'];

const EXPECTED = 'true, false, "gaussian", "pissa", "pissa_niter_<k>" or "olora"';

/**
 * Whether an init value builds A and B from the base weight (PiSSA, OLoRA), which needs the base
 * weight on the host and so an asynchronous step after the adapter is created.
 *
 * @example
 * ```ts
 * usesBaseWeight('olora'); // true
 * usesBaseWeight(true);    // false
 * ```
 */
export function usesBaseWeight(init: InitLoraWeights): boolean {
  return init === 'olora' || (typeof init === 'string' && init.startsWith('pissa'));
}

/**
 * Checks an `init_lora_weights` value. `where` prefixes the message (the method's name).
 *
 * @example
 * ```ts
 * readInitLoraWeights('pissa_niter_2', 'lora'); // 'pissa_niter_2'
 * readInitLoraWeights('loftq', 'lora');         // throws ConfigError: … is not supported …
 * ```
 */
export function readInitLoraWeights(value: unknown, where: string): InitLoraWeights {
  if (typeof value === 'boolean') return value;
  if (value === 'gaussian' || value === 'pissa' || value === 'olora') return value;
  if (typeof value === 'string') {
    const niter = /^pissa_niter_(\d+)$/.exec(value);
    if (niter) return value as `pissa_niter_${number}`;
    if (KNOWN_UNSUPPORTED.includes(value)) {
      throw new ConfigError(`${where}: init_lora_weights="${value}" is not supported by @peft/lora (supported: ${EXPECTED})`);
    }
    if (value.startsWith('pissa_niter_')) {
      throw new ConfigError(`${where}: init_lora_weights must be "pissa_niter_<k>" with k a non-negative integer, got "${value}"`);
    }
  }
  throw new ConfigError(`${where}: init_lora_weights must be ${EXPECTED}, got ${JSON.stringify(value) ?? String(value)}`);
}

/**
 * The `init_lora_weights` config field (default `true`), for the LoRA schema.
 *
 * @example
 * ```ts
 * const fields = { initLoraWeights: initLoraWeightsField() };
 * ```
 */
export function initLoraWeightsField(): ConfigField<InitLoraWeights> {
  return {
    key: 'init_lora_weights',
    defaultValue: true,
    read: readInitLoraWeights,
    write: (v) => v,
  };
}
