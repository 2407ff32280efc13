import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@peft/core';
import { directorySource } from '@peft/core/node';
import { checkConfigFitsCheckpoint } from '../input-validation.js';
import { modelDir } from '../test-support/fixtures.js';
import { createModel } from '../auto-model.js';
import { ConfigReader } from '../config-reader.js';
import { parseT5Config } from './config.js';
import { t5Architecture } from './architecture.js';

const small = { d_model: 16, d_kv: 4, d_ff: 24, num_layers: 1, num_heads: 2, vocab_size: 32, relative_attention_num_buckets: 4, relative_attention_max_distance: 8 };

describe('T5 configs', () => {
  it('reads original T5 (ReLU, tied and scaled head) and FLAN-T5 (gated tanh-GELU, untied) with transformers’ defaults', () => {
    const t5 = parseT5Config(new ConfigReader({ model_type: 't5', ...small }));
    expect(t5).toMatchObject({ denseActFn: 'relu', isGatedAct: false, tieWordEmbeddings: true, scaleDecoderOutputs: true, numDecoderLayers: 1, decoderStartTokenId: 0, eosTokenIds: [1] });
    const flan = parseT5Config(new ConfigReader({ model_type: 't5', ...small, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false, num_decoder_layers: 3 }));
    expect(flan).toMatchObject({ denseActFn: 'gelu_new', isGatedAct: true, tieWordEmbeddings: false, scaleDecoderOutputs: false, numDecoderLayers: 3 });
    // transformers 5 writes the scaling on its own and always ties
    expect(parseT5Config(new ConfigReader({ model_type: 't5', ...small, tie_word_embeddings: true, scale_decoder_outputs: false }))).toMatchObject({ tieWordEmbeddings: true, scaleDecoderOutputs: false });
  });

  it('builds mT5 with the T5 layout, gated feed-forward names included', () => {
    const model = createModel({ architectures: ['MT5ForConditionalGeneration'], model_type: 'mt5', ...small, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false });
    const names = [...model.namedParameters()].map(([n]) => n);
    expect(names).toContain('encoder.block.0.layer.1.DenseReluDense.wi_0.weight');
    expect(names).toContain('decoder.block.0.layer.2.DenseReluDense.wo.weight');
    expect(names).toContain('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight');
    expect(names).toContain('lm_head.weight');
    expect(model.info).toMatchObject({ modelType: 'mt5', task: 'seq2seq-lm', embeddingPath: 'shared', outputHeadPath: 'lm_head' });
  });

  it('refuses UMT5 and unknown feed-forward projections by name', () => {
    expect(() => createModel({ architectures: ['UMT5ForConditionalGeneration'], model_type: 'umt5', ...small })).toThrow(ConfigError);
    expect(() => createModel({ model_type: 'umt5', ...small })).toThrow(/UMT5 \(model_type "umt5"\) is not supported/);
    expect(() => parseT5Config(new ConfigReader({ model_type: 't5', ...small, feed_forward_proj: 'gated-gelu-x' }))).toThrow(/"feed_forward_proj" to be an activation or "gated-<activation>"/);
    expect(() => parseT5Config(new ConfigReader({ model_type: 't5', ...small, feed_forward_proj: 'swiglu' }))).toThrow(ConfigError);
  });
});

describe('T5 checkpoints that do not fit their config', () => {
  it('are refused before allocation when num_layers or d_ff is far too large for the weights', async () => {
    const config = JSON.parse(readFileSync(`${modelDir('t5')}/config.json`, 'utf8')) as Record<string, unknown>;
    await expect(checkConfigFitsCheckpoint(config, directorySource(modelDir('t5')), 't5/config.json')).resolves.toBeUndefined();
    await expect(checkConfigFitsCheckpoint({ ...config, num_layers: 100000 }, directorySource(modelDir('t5')), 't5/config.json')).rejects.toThrow(/do not belong together/);
  });
});

describe('T5 configs whose sizes the generic count misses', () => {
  it('are refused by the T5 count: attention width from num_heads × d_kv, decoder layers, an untied head, defaults for missing fields', async () => {
    const config = JSON.parse(readFileSync(`${modelDir('t5')}/config.json`, 'utf8')) as Record<string, unknown>;
    const src = directorySource(modelDir('t5'));
    const bound = (c: Record<string, unknown>) => t5Architecture.parameterLowerBound!(new ConfigReader(c));
    await expect(checkConfigFitsCheckpoint(config, src, 't5/config.json', bound(config))).resolves.toBeUndefined();
    for (const big of [{ d_kv: 1_000_000 }, { num_decoder_layers: 1000 }, { vocab_size: undefined, d_model: 512 }]) {
      const c = { ...config, ...big };
      await expect(checkConfigFitsCheckpoint(c, src, 't5/config.json', bound(c)), JSON.stringify(big)).rejects.toThrow(/do not belong together/);
    }
  });

  it('refuse layer and bucket counts far past any published model before building anything', () => {
    expect(() => parseT5Config(new ConfigReader({ model_type: 't5', ...small, num_layers: 2 ** 31 }))).toThrow(/"num_layers".*at most 1024/);
    expect(() => createModel({ model_type: 't5', ...small, num_decoder_layers: 5000 })).toThrow(ConfigError);
    expect(() => createModel({ model_type: 't5', ...small, relative_attention_num_buckets: 2 ** 31 })).toThrow(/"relative_attention_num_buckets".*at most 65536/);
  });
});
