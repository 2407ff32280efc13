import { ArgumentError, ConfigError } from '../../errors.js';
import type { PeftConfig } from '../method/config-schema.js';
import type { WeightedAdapterRequest } from '../method/peft-method.js';
import type { PeftHost } from './peft-host.js';

/**
 * Checks a request to combine adapters, the one place it is checked (`PeftModel.addWeightedAdapter`
 * calls it before handing the request to the method): one weight per adapter and at least one
 * adapter, every adapter present, all of one method (`peft_type`), and no two of them training their
 * own copy of one module (`modules_to_save`). Returns the adapters' configs in request order, or
 * undefined when an adapter named `request.name` already exists (nothing is to be done then, as in
 * Hugging Face PEFT).
 *
 * @throws ArgumentError for a missing adapter or weight; ConfigError for mixed methods or shared copies.
 * @example
 * ```ts
 * const configs = checkWeightedRequest(peft, { adapters: ['a', 'b'], weights: [0.7, 0.3], name: 'mix', combinationType: 'svd' });
 * ```
 */
export function checkWeightedRequest(model: Pick<PeftHost, 'peftConfig' | 'wrappers'>, request: WeightedAdapterRequest): PeftConfig[] | undefined {
  const { adapters, weights, name } = request;
  if (adapters.length === 0 || adapters.length !== weights.length) {
    throw new ArgumentError(`addWeightedAdapter: expected one weight per adapter, got ${adapters.length} adapters and ${weights.length} weights`);
  }
  const configs = adapters.map((a) => {
    const c = model.peftConfig.get(a);
    if (!c) throw new ArgumentError(`addWeightedAdapter: no adapter named "${a}" (adapters: ${[...model.peftConfig.keys()].join(', ') || 'none'})`);
    return c;
  });
  const types = new Set(configs.map((c) => c.peftType));
  if (types.size > 1) throw new ConfigError(`addWeightedAdapter: all adapters must use one method, got ${[...types].join(', ')}`);
  if (model.peftConfig.has(name)) return undefined;
  for (const [path, wrapper] of model.wrappers()) {
    if (adapters.filter((a) => wrapper.hasAdapter(a)).length > 1) {
      throw new ConfigError(`addWeightedAdapter: cannot combine adapters that each train their own copy of ${path} (modules_to_save)`);
    }
  }
  return configs;
}
