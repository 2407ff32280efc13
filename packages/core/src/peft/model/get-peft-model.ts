import type { PretrainedModel } from '../../models/pretrained-model.js';
import type { PeftConfig } from '../method/config-schema.js';
import { DEFAULT_ADAPTER, PeftModel, type PeftModelOptions } from './peft-model.js';

/**
 * Wraps `model` with a new adapter (Hugging Face's `get_peft_model`): the base weights are frozen and
 * only the adapter trains. The method for `config.peftType` must be registered.
 *
 * @example
 * ```ts
 * registerMethod(lora);
 * const peft = await getPeftModel(model, loraConfig({ r: 8, loraAlpha: 16, targetModules: ['q_proj', 'v_proj'] }));
 * ```
 */
export async function getPeftModel(model: PretrainedModel, config: PeftConfig, opts?: PeftModelOptions): Promise<PeftModel> {
  const peft = new PeftModel(model, opts);
  await peft.addAdapter(opts?.adapterName ?? DEFAULT_ADAPTER, config);
  return peft;
}
