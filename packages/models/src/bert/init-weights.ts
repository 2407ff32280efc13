import { Embedding, Linear, type Generator, type Module, defaultGenerator, fromArray, tidy, zeros } from '@peft/core';

/**
 * Initialises every `Linear` and `Embedding` under `module` as transformers' `BertPreTrainedModel`
 * does: weights drawn from N(0, std²), linear biases zero, and an embedding's padding row zero
 * (layer norms keep their ones and zeros).
 *
 * @example
 * ```ts
 * initBertWeights(model.classifier, config.initializerRange); // a new head before fine-tuning
 * ```
 */
export function initBertWeights(module: Module, std: number, generator: Generator = defaultGenerator()): void {
  for (const [, m] of module.namedModules()) {
    if (m instanceof Linear) {
      tidy(() => {
        m.weight.assign(normal(m.weight.shape, std, generator, m.weight));
        if (m.bias) m.bias.assign(zeros(m.bias.shape, { dtype: m.bias.dtype, backend: m.bias.backend }));
      });
    } else if (m instanceof Embedding) {
      tidy(() => m.weight.assign(normal(m.weight.shape, std, generator, m.weight, m.paddingIdx)));
    }
  }
}

function normal(shape: readonly number[], std: number, g: Generator, like: Linear['weight'], zeroRow: number | null = null) {
  const values = g.normal(shape[0] * shape[1]);
  for (let i = 0; i < values.length; i++) values[i] *= std;
  if (zeroRow !== null) values.fill(0, zeroRow * shape[1], (zeroRow + 1) * shape[1]);
  return fromArray(values, shape, { dtype: like.dtype, backend: like.backend });
}
