import { MethodRegistry, PeftModel, memorySource } from '../../../packages/core/src/index.js';
import { adalora } from '../../../packages/adalora/src/index.js';
import { ia3 } from '../../../packages/ia3/src/index.js';
import { lora } from '../../../packages/lora/src/index.js';
import { pTuning } from '../../../packages/p-tuning/src/index.js';
import { prefixTuning } from '../../../packages/prefix/src/index.js';
import { promptTuning } from '../../../packages/prompt/src/index.js';
import { createModel } from '../../../packages/models/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { mutateBytes, mutateJson } from '../fuzz-random.js';
import { seedBytes, seedText, sizeOf } from './seed-files.js';

const CASES = ['gpt2_lora', 'gpt2_ia3', 'gpt2_adalora', 'gpt2_lora_dora', 'gpt2_lora_embedding', 'gpt2_lora_modules_to_save', 'gpt2_prefix', 'gpt2_prompt_random', 'gpt2_ptuning'];

/**
 * Adapter folders written by Python PEFT (LoRA, DoRA, IA³, AdaLoRA, prefix, prompt and p-tuning on the fixture GPT-2),
 * with `adapter_config.json` and/or `adapter_model.safetensors` mutated, through
 * `PeftModel.fromPretrained` onto a fresh base model.
 *
 * @example
 * ```ts
 * await runFuzzTarget(adapterTarget, { seed: 1, count: 100 });
 * ```
 */
export const adapterTarget: FuzzTarget = {
  name: 'adapter',
  description: 'adapter_config.json + adapter_model.safetensors → PeftModel.fromPretrained (GPT-2, nine adapter cases)',
  async prepare() {
    const registry = new MethodRegistry();
    registry.register(lora);
    registry.register(ia3);
    registry.register(adalora);
    registry.register(prefixTuning);
    registry.register(promptTuning);
    registry.register(pTuning);
    const baseConfig = JSON.parse(await seedText('packages/models/test/fixtures/gpt2/config.json')) as Record<string, unknown>;
    const seeds = await Promise.all(
      CASES.map(async (c) => ({
        config: await seedText(`packages/testing/fixtures/cases/${c}/adapter_config.json`),
        weights: await seedBytes(`packages/testing/fixtures/cases/${c}/adapter_model.safetensors`),
      })),
    );
    return (r) => {
      const seed = r.pick(seeds);
      const what = r.int(20);
      const kind = what === 0 ? 'clean' : what < 12 ? 'config' : what < 18 ? 'weights' : 'both';
      const config = kind === 'config' || kind === 'both' ? mutateJson(r, seed.config) : seed.config;
      const weights = kind === 'weights' || kind === 'both' ? mutateBytes(r, seed.weights) : seed.weights;
      const files: Record<string, string | Uint8Array> = { 'adapter_config.json': config, 'adapter_model.safetensors': weights };
      if (r.chance(0.02)) delete files[r.pick(['adapter_config.json', 'adapter_model.safetensors'])];
      return {
        kind,
        bytes: sizeOf(config, weights),
        run: async () => {
          const model = createModel(baseConfig, { skipInit: true });
          await PeftModel.fromPretrained(model, memorySource(files, 'fuzz-adapter'), { registry, warn: () => undefined });
        },
      };
    };
  },
};
