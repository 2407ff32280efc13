import { type ActivationName, checkActivation } from '../activation.js';
import type { ConfigReader } from '../config-reader.js';

/**
 * How a sequence classifier turns labels into a loss (transformers' `problem_type`).
 *
 * @example
 * ```ts
 * const p: BertProblemType = 'multi_label_classification';
 * ```
 */
export type BertProblemType = 'regression' | 'single_label_classification' | 'multi_label_classification';

const PROBLEM_TYPES: readonly BertProblemType[] = ['regression', 'single_label_classification', 'multi_label_classification'];

/**
 * The fields of a BERT `config.json` the model uses (transformers' `BertConfig` names, camel-cased).
 *
 * @example
 * ```ts
 * const c = parseBertConfig(new ConfigReader(json)); // c.hiddenSize, c.numLabels, …
 * ```
 */
export interface BertConfig {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  readonly hiddenAct: ActivationName;
  /** Dropout on embeddings and on each residual branch. */
  readonly hiddenDropoutProb: number;
  /** Dropout on the attention probabilities. */
  readonly attentionProbsDropoutProb: number;
  readonly maxPositionEmbeddings: number;
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  /** Row of the word embedding table that padding uses (0 by default). */
  readonly padTokenId?: number;
  /** Only `absolute` (learned position embeddings) is supported. */
  readonly positionEmbeddingType: 'absolute';
  /** Dropout before the classifier (`classifier_dropout`, else `hidden_dropout_prob`). */
  readonly classifierDropout: number;
  /** Classifier outputs: the length of `id2label` when present, else `num_labels` (default 2). */
  readonly numLabels: number;
  /** The loss to use; absent means "decide from the labels", as transformers does. */
  readonly problemType?: BertProblemType;
  /** Standard deviation of the normal initialisation of linear and embedding weights. */
  readonly initializerRange: number;
}

/**
 * Reads and validates a BERT config (transformers' defaults for absent fields). A relative position
 * embedding type, or a decoder configuration, is a ConfigError naming the field.
 *
 * @example
 * ```ts
 * const config = parseBertConfig(new ConfigReader({ hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4 }));
 * ```
 */
export function parseBertConfig(r: ConfigReader): BertConfig {
  const hiddenSize = r.int('hidden_size', 768);
  const numAttentionHeads = r.int('num_attention_heads', 12);
  if (hiddenSize % numAttentionHeads !== 0) r.fail('hidden_size', `a multiple of num_attention_heads (${numAttentionHeads})`, hiddenSize);
  const positionEmbeddingType = r.str('position_embedding_type', 'absolute');
  if (positionEmbeddingType !== 'absolute') r.fail('position_embedding_type', '"absolute" (relative_key and relative_key_query are not supported)', positionEmbeddingType);
  if (r.bool('is_decoder', false)) r.fail('is_decoder', 'false (BERT is supported as a bidirectional encoder only)', true);
  const hiddenDropoutProb = probability(r, 'hidden_dropout_prob', 0.1);
  const problemType = r.has('problem_type') ? r.str('problem_type') : undefined;
  if (problemType !== undefined && !(PROBLEM_TYPES as readonly string[]).includes(problemType)) {
    r.fail('problem_type', `one of ${PROBLEM_TYPES.join(', ')}`, problemType);
  }
  return {
    vocabSize: r.int('vocab_size', 30522),
    hiddenSize,
    numHiddenLayers: r.int('num_hidden_layers', 12),
    numAttentionHeads,
    intermediateSize: r.int('intermediate_size', 3072),
    hiddenAct: checkActivation(r.str('hidden_act', 'gelu'), 'hidden_act', r.where),
    hiddenDropoutProb,
    attentionProbsDropoutProb: probability(r, 'attention_probs_dropout_prob', 0.1),
    maxPositionEmbeddings: r.int('max_position_embeddings', 512),
    typeVocabSize: r.int('type_vocab_size', 2),
    layerNormEps: r.num('layer_norm_eps', 1e-12),
    padTokenId: r.raw.pad_token_id === null ? undefined : r.index('pad_token_id', 0),
    positionEmbeddingType: 'absolute',
    classifierDropout: r.has('classifier_dropout') ? probability(r, 'classifier_dropout') : hiddenDropoutProb,
    numLabels: numLabels(r),
    problemType: problemType as BertProblemType | undefined,
    initializerRange: r.num('initializer_range', 0.02),
  };
}

function probability(r: ConfigReader, name: string, fallback?: number): number {
  const p = r.num(name, fallback);
  if (p < 0 || p >= 1) r.fail(name, 'a probability in [0, 1)', p);
  return p;
}

/** transformers' rule: `id2label` decides when present, else `num_labels`, else 2. */
function numLabels(r: ConfigReader): number {
  const id2label = r.raw.id2label;
  if (id2label !== undefined && id2label !== null) {
    if (typeof id2label !== 'object' || Array.isArray(id2label)) r.fail('id2label', 'an object mapping class ids to names', id2label);
    const n = Object.keys(id2label).length;
    if (n < 1) r.fail('id2label', 'at least one label', id2label);
    return n;
  }
  return r.int('num_labels', 2);
}
