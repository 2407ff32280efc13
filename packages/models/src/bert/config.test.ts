import { describe, expect, it } from 'vitest';
import { ConfigError } from '@peft/core';
import { ConfigReader } from '../config-reader.js';
import { parseBertConfig } from './config.js';

const parse = (raw: Record<string, unknown>) => parseBertConfig(new ConfigReader(raw));

describe('parseBertConfig', () => {
  it("fills transformers' BertConfig defaults", () => {
    const c = parse({});
    expect(c).toMatchObject({
      vocabSize: 30522,
      hiddenSize: 768,
      numHiddenLayers: 12,
      numAttentionHeads: 12,
      intermediateSize: 3072,
      hiddenAct: 'gelu',
      hiddenDropoutProb: 0.1,
      attentionProbsDropoutProb: 0.1,
      maxPositionEmbeddings: 512,
      typeVocabSize: 2,
      layerNormEps: 1e-12,
      padTokenId: 0,
      positionEmbeddingType: 'absolute',
      classifierDropout: 0.1,
      numLabels: 2,
      problemType: undefined,
    });
  });

  it('takes the label count from id2label before num_labels', () => {
    expect(parse({ id2label: { 0: 'a', 1: 'b', 2: 'c' }, num_labels: 7 }).numLabels).toBe(3);
    expect(parse({ num_labels: 1 }).numLabels).toBe(1);
  });

  it('uses hidden_dropout_prob for the classifier when classifier_dropout is null', () => {
    expect(parse({ hidden_dropout_prob: 0.2, classifier_dropout: null }).classifierDropout).toBe(0.2);
    expect(parse({ hidden_dropout_prob: 0.2, classifier_dropout: 0.3 }).classifierDropout).toBe(0.3);
  });

  it('rejects relative position embeddings, naming the field', () => {
    expect(() => parse({ position_embedding_type: 'relative_key' })).toThrow(ConfigError);
    expect(() => parse({ position_embedding_type: 'relative_key' })).toThrow(/"position_embedding_type".*"relative_key"/);
  });

  it('rejects an unknown problem_type, a hidden size not divisible by the heads and a decoder config', () => {
    expect(() => parse({ problem_type: 'ranking' })).toThrow(/"problem_type" to be one of regression, single_label_classification, multi_label_classification, got "ranking"/);
    expect(parse({ problem_type: 'regression' }).problemType).toBe('regression');
    expect(() => parse({ hidden_size: 30, num_attention_heads: 4 })).toThrow(/"hidden_size" to be a multiple of num_attention_heads \(4\), got 30/);
    expect(() => parse({ is_decoder: true })).toThrow(/"is_decoder"/);
  });
});
