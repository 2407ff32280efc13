import { memorySource } from '../../../packages/core/src/index.js';
import { loadPretrained } from '../../../packages/models/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { mutateBytes, mutateJson } from '../fuzz-random.js';
import { MODEL_FIXTURES, seedBytes, seedText, sizeOf } from './seed-files.js';

/**
 * Base-model folders (the fixture GPT-2, LLaMA and BERT checkpoints) with `config.json` and/or
 * `model.safetensors` mutated, through `loadPretrained`.
 *
 * @example
 * ```ts
 * await runFuzzTarget(modelTarget, { seed: 1, count: 100 });
 * ```
 */
export const modelTarget: FuzzTarget = {
  name: 'model',
  description: 'config.json + model.safetensors → loadPretrained (GPT-2, LLaMA, BERT)',
  async prepare() {
    const seeds = await Promise.all(
      MODEL_FIXTURES.map(async (m) => ({
        config: await seedText(`packages/models/test/fixtures/${m}/config.json`),
        weights: await seedBytes(`packages/models/test/fixtures/${m}/model.safetensors`),
      })),
    );
    return (r) => {
      const seed = r.pick(seeds);
      const what = r.int(20);
      const kind = what === 0 ? 'clean' : what < 14 ? 'config' : what < 19 ? 'weights' : 'both';
      const config = kind === 'config' || kind === 'both' ? mutateJson(r, seed.config) : seed.config;
      const weights = kind === 'weights' || kind === 'both' ? mutateBytes(r, seed.weights) : seed.weights;
      return {
        kind,
        bytes: sizeOf(config, weights),
        run: async () => {
          const model = await loadPretrained(memorySource({ 'config.json': config, 'model.safetensors': weights }, 'fuzz-model'), { onWarning: () => undefined });
          for (const [, t] of model.stateDict()) t.dispose();
        },
      };
    };
  },
};
