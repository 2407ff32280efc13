import { type Generator, type Module, type Parameter, defaultGenerator, fromArray, tidy } from '@peft/core';
import type { T5Config } from './config.js';

/**
 * Draws a new T5's weights as transformers' `T5PreTrainedModel._init_weights` does (factor 1): the
 * token table and an untied head from N(0, 1); `q` from N(0, 1/(dModel·dKv)); `k`, `v`, `wi`, `wi_0`,
 * `wi_1` and the relative bias from N(0, 1/dModel); `o` from N(0, 1/(heads·dKv)); `wo` from
 * N(0, 1/dFf); norms keep their ones.
 *
 * @example
 * ```ts
 * initT5Weights(model, config); // a fresh model before pre-training or a test
 * ```
 */
export function initT5Weights(model: Module, c: T5Config, generator: Generator = defaultGenerator()): void {
  const std: Record<string, number> = {
    q: (c.dModel * c.dKv) ** -0.5,
    k: c.dModel ** -0.5,
    v: c.dModel ** -0.5,
    o: (c.numHeads * c.dKv) ** -0.5,
    wi: c.dModel ** -0.5,
    wi_0: c.dModel ** -0.5,
    wi_1: c.dModel ** -0.5,
    wo: c.dFf ** -0.5,
    relative_attention_bias: c.dModel ** -0.5,
    shared: 1,
    lm_head: 1,
  };
  const seen = new Set<Parameter>();
  for (const [name, p] of model.namedParameters()) {
    const parts = name.split('.');
    const s = std[parts[parts.length - 2]];
    if (s === undefined || seen.has(p)) continue;
    seen.add(p);
    tidy(() => {
      const values = generator.normal(p.size);
      for (let i = 0; i < values.length; i++) values[i] *= s;
      p.assign(fromArray(values, p.shape, { dtype: p.dtype, backend: p.backend }));
    });
  }
}
