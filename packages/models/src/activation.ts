import { ConfigError, type Tensor, gelu, silu } from '@peft/core';
import { relu, tanh } from '@peft/core/plugin';

/**
 * The activation functions transformers configs name (`hidden_act`, `activation_function`).
 *
 * @example
 * ```ts
 * const act: ActivationName = 'gelu_new';
 * ```
 */
export type ActivationName = 'gelu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'gelu_fast' | 'relu' | 'silu' | 'swish' | 'tanh';

/** Every name {@link applyActivation} accepts. @example `ACTIVATION_NAMES.includes('silu')` */
export const ACTIVATION_NAMES: readonly ActivationName[] = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', 'relu', 'silu', 'swish', 'tanh'];

/**
 * Applies a named activation: `gelu` is the exact (erf) form, `gelu_new` / `gelu_pytorch_tanh` /
 * `gelu_fast` the tanh approximation, `swish` is `silu`.
 *
 * @example
 * ```ts
 * const h = applyActivation('gelu_new', cFc.forward(x));
 * ```
 */
export function applyActivation(name: ActivationName, x: Tensor): Tensor {
  switch (name) {
    case 'gelu':
      return gelu(x);
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return gelu(x, 'tanh');
    case 'relu':
      return relu(x);
    case 'silu':
    case 'swish':
      return silu(x);
    case 'tanh':
      return tanh(x);
    default:
      throw new ConfigError(`activation: expected one of ${ACTIVATION_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
}

/**
 * Checks a config's activation name. @example `checkActivation('gelu_new', 'activation_function', 'config.json')`
 */
export function checkActivation(name: string, field: string, where: string): ActivationName {
  if (!(ACTIVATION_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(`${where}: expected "${field}" to be one of ${ACTIVATION_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  return name as ActivationName;
}
