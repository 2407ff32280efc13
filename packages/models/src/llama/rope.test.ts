import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, fromArray, noGrad, randn, tensor } from '@peft/core';
import { expectClose, readF64, testBackends } from '@peft/core/testing';
import { ConfigReader } from '../config-reader.js';
import { FIXTURES, flat } from '../test-support/fixtures.js';
import { parseLlamaConfig } from './config.js';
import { LlamaRotaryEmbedding, applyRotary, rotateHalf } from './rope.js';

interface RopeCase {
  name: string;
  config: Record<string, unknown>;
  position_ids: number[][];
  inv_freq: number[];
  attention_scaling: number;
  cos: number[][][];
  sin: number[][][];
}

/** Made by tools/llama-rope-fixtures.py with transformers' LlamaRotaryEmbedding. */
const reference = JSON.parse(readFileSync(join(FIXTURES, 'llama-rope.json'), 'utf8')) as { transformers: string; cases: RopeCase[] };
const backends = await testBackends();

function rotaryOf(c: RopeCase): LlamaRotaryEmbedding {
  const config = parseLlamaConfig(new ConfigReader(c.config, c.name));
  return new LlamaRotaryEmbedding(config.rope, config.headDim, config.maxPositionEmbeddings);
}

describe('LLaMA rotary frequencies', () => {
  it.each(reference.cases)('match transformers for $name', (c) => {
    const rotary = rotaryOf(c);
    expectClose(rotary.invFreq, c.inv_freq, { atol: 0, rtol: 2e-7 }, 'inv_freq');
    expect(rotary.attentionScaling).toBeCloseTo(c.attention_scaling, 12);
  });

  it('rejects an unsupported rope_type, naming it and listing the supported ones', () => {
    const bad = (): unknown => parseLlamaConfig(new ConfigReader({ hidden_size: 64, num_attention_heads: 4, rope_scaling: { rope_type: 'mrope', factor: 2 } }));
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/"rope_scaling.rope_type" "mrope" is not supported; supported rope types: default, linear, dynamic, llama3, yarn, longrope/);
    const v5 = (): unknown => parseLlamaConfig(new ConfigReader({ rope_parameters: { rope_type: 'proportional', rope_theta: 10000 } }));
    expect(v5).toThrow(/"rope_parameters.rope_type" "proportional" is not supported/);
  });

  it('rejects scaling parameters that are missing or of the wrong kind, naming the field', () => {
    expect(() => parseLlamaConfig(new ConfigReader({ rope_scaling: { rope_type: 'linear' } }))).toThrow(/"factor"/);
    expect(() => parseLlamaConfig(new ConfigReader({ rope_scaling: { rope_type: 'longrope', short_factor: [1], long_factor: 'x' } }))).toThrow(/"long_factor" to be a list of numbers/);
    expect(() => parseLlamaConfig(new ConfigReader({ rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 4, high_freq_factor: 1 } }))).toThrow(/"high_freq_factor"/);
  });
});

describe.each(backends)('LLaMA rotary embeddings on $name', ({ backend }) => {
  it.each(reference.cases)('give the cos and sin of transformers for $name', async (c) => {
    const rotary = rotaryOf(c);
    const pos = fromArray(c.position_ids.flat(), [c.position_ids.length, c.position_ids[0].length], { dtype: 'i32', backend });
    const { cos, sin } = noGrad(() => rotary.forward(pos));
    expect(cos.shape).toEqual([2, 6, 16]);
    expectClose(await readF64(cos), flat(c.cos), { atol: 1e-5, rtol: 0 }, 'cos');
    expectClose(await readF64(sin), flat(c.sin), { atol: 1e-5, rtol: 0 }, 'sin');
  });

  it('rotates the halves of the last axis, not interleaved pairs', async () => {
    const x = tensor([1, 2, 3, 4, 5, 6], { backend }).reshape([1, 1, 1, 6]);
    expect(Array.from(await readF64(rotateHalf(x)))).toEqual([-4, -5, -6, 1, 2, 3]);
  });

  it('keeps query norms under rotation and makes scores depend on relative positions only', async () => {
    const rotary = rotaryOf(reference.cases[0]);
    const q = randn([1, 1, 1, 16], { backend });
    const k = randn([1, 1, 1, 16], { backend });
    const score = async (pq: number, pk: number): Promise<number> => {
      const at = (p: number) => rotary.forward(fromArray([p], [1, 1], { dtype: 'i32', backend }));
      const a = at(pq);
      const b = at(pk);
      const s = applyRotary(q, a.cos, a.sin).mul(applyRotary(k, b.cos, b.sin)).sum();
      return (await readF64(s))[0];
    };
    expect(await score(7, 3)).toBeCloseTo(await score(14, 10), 4);
    expect(await score(7, 3)).not.toBeCloseTo(await score(7, 4), 2);
  });
});
