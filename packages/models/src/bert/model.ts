import {
  Dropout,
  Linear,
  Module,
  type Embedding,
  type LayerOptions,
  type ModelInfo,
  type ModelInputs,
  type ModelOutput,
  type PretrainedModel,
  type Tensor,
} from '@peft/core';
import { composite } from '@peft/core/plugin';
import { attentionBias } from '../attention.js';
import type { BertConfig } from './config.js';
import { initBertWeights } from './init-weights.js';
import { BertEmbeddings, BertEncoder, BertPooler } from './layers.js';
import { sequenceClassificationLoss } from './sequence-classification-loss.js';

/**
 * What {@link BertModel.encode} returns.
 *
 * @example
 * ```ts
 * const { lastHiddenState, poolerOutput }: BertEncoding = bert.encode({ inputIds });
 * ```
 */
export interface BertEncoding {
  /** `[batch, seq, hidden]`. */
  readonly lastHiddenState: Tensor;
  /** `tanh(dense(first token))`, `[batch, hidden]`; undefined for a model built without a pooler. */
  readonly poolerOutput?: Tensor;
}

/**
 * The BERT encoder (transformers' `BertModel`): embeddings, the post-norm encoder layers and the
 * pooler. {@link BertModel.encode} returns the hidden states and the pooled output. As a
 * `PretrainedModel` (task `base`, no head) its `forward` returns **the last hidden state
 * `[batch, seq, hidden]` as `logits`**, so that methods and tools that only know the protocol can run
 * the bare encoder; labels are ignored (there is no loss without a head).
 *
 * Attention is bidirectional; `attentionMask` (`[batch, past + seq]`) blocks padded keys. A
 * `pastKeyValues` cache holding a prefix (prefix tuning) is prepended to every layer's keys and
 * values, and the inputs then take positions `past, past + 1, …`, as transformers does.
 *
 * @example
 * ```ts
 * const bert = new BertModel(parseBertConfig(new ConfigReader(json)), json);
 * const { lastHiddenState, poolerOutput } = bert.encode({ inputIds, attentionMask });
 * ```
 */
export class BertModel extends Module implements PretrainedModel {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null = null;
  readonly info: ModelInfo;

  constructor(
    readonly bertConfig: BertConfig,
    readonly config: Readonly<Record<string, unknown>> = {},
    opts: LayerOptions & { addPoolingLayer?: boolean } = {},
  ) {
    super();
    const c = bertConfig;
    const build = { ...opts, skipInit: true };
    this.embeddings = this.registerModule('embeddings', new BertEmbeddings(c, build));
    this.encoder = this.registerModule('encoder', new BertEncoder(c, build));
    if (opts.addPoolingLayer ?? true) this.pooler = this.registerModule('pooler', new BertPooler(c, build));
    // every weight drawn as transformers does; with skipInit (a checkpoint follows) only the pooler,
    // which encoder-only checkpoints may lack
    if (!opts.skipInit) initBertWeights(this, c.initializerRange, opts.generator);
    else if (this.pooler) initBertWeights(this.pooler, c.initializerRange, opts.generator);
    this.info = bertInfo(c, 'base', 'embeddings.word_embeddings');
  }

  /** Hidden states and pooled output. @example `bert.encode({ inputIds, attentionMask })` */
  encode(inputs: ModelInputs): BertEncoding {
    const lastHiddenState = this.hidden(inputs);
    return { lastHiddenState, poolerOutput: this.pooler?.forward(lastHiddenState) };
  }

  /** The last hidden state `[batch, seq, hidden]` as `logits` (no head). @example `bert.forward({ inputIds }).logits` */
  forward(inputs: ModelInputs): ModelOutput {
    return { logits: this.hidden(inputs), pastKeyValues: inputs.pastKeyValues };
  }

  /** @example `bert.getInputEmbeddings().weight.shape` */
  getInputEmbeddings(): Embedding {
    return this.embeddings.word_embeddings;
  }

  private hidden(inputs: ModelInputs): Tensor {
    return composite(() => {
      const cache = inputs.pastKeyValues;
      const past = cache?.length ?? 0;
      const h = this.embeddings.forward(inputs, past);
      const bias = attentionBias({ queryLength: h.shape[1], pastLength: past, causal: false, attentionMask: inputs.attentionMask, like: h });
      return this.encoder.forward(h, { bias, cache });
    });
  }
}

/**
 * BERT with a classification head on the pooled output (transformers'
 * `BertForSequenceClassification`): `classifier(dropout(pooler))`, logits `[batch, numLabels]`. With
 * `labels` the loss follows `problem_type` (or is inferred as transformers does): mean squared error
 * for one label, cross-entropy for integer class ids, binary cross-entropy on logits for multi-label
 * float targets `[batch, numLabels]`. The classifier is always drawn fresh (N(0, initializer_range²),
 * bias 0), so a checkpoint of the bare encoder starts fine-tuning from a properly initialised head.
 *
 * @example
 * ```ts
 * const model = new BertForSequenceClassification(parseBertConfig(new ConfigReader(json)), json);
 * const { logits, loss } = model.forward({ inputIds, attentionMask, labels });
 * ```
 */
export class BertForSequenceClassification extends Module implements PretrainedModel {
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;
  readonly info: ModelInfo;

  constructor(
    readonly bertConfig: BertConfig,
    readonly config: Readonly<Record<string, unknown>> = {},
    opts: LayerOptions = {},
  ) {
    super();
    this.bert = this.registerModule('bert', new BertModel(bertConfig, config, opts));
    this.dropout = this.registerModule('dropout', new Dropout(bertConfig.classifierDropout));
    this.classifier = this.registerModule('classifier', new Linear(bertConfig.hiddenSize, bertConfig.numLabels, { ...opts, skipInit: true }));
    initBertWeights(this.classifier, bertConfig.initializerRange, opts.generator);
    this.info = bertInfo(bertConfig, 'sequence-classification', 'bert.embeddings.word_embeddings', 'classifier');
  }

  /** Logits `[batch, numLabels]`, and the loss when `labels` are given. @example `model.forward({ inputIds, labels })` */
  forward(inputs: ModelInputs): ModelOutput {
    const logits = composite(() => {
      const pooled = this.bert.encode(inputs).poolerOutput!;
      return this.classifier.forward(this.dropout.forward(pooled));
    });
    const loss = inputs.labels ? sequenceClassificationLoss(logits, inputs.labels, this.bertConfig.problemType) : undefined;
    return { logits, loss, pastKeyValues: inputs.pastKeyValues };
  }

  /** @example `model.getInputEmbeddings().weight.shape` */
  getInputEmbeddings(): Embedding {
    return this.bert.embeddings.word_embeddings;
  }
}

/** The architecture-neutral facts of a BERT config. @internal @example `bertInfo(config, 'base', 'embeddings.word_embeddings')` */
export function bertInfo(c: BertConfig, task: ModelInfo['task'], embeddingPath: string, outputHeadPath?: string): ModelInfo {
  return {
    modelType: 'bert',
    task,
    vocabSize: c.vocabSize,
    hiddenSize: c.hiddenSize,
    numLayers: c.numHiddenLayers,
    numAttentionHeads: c.numAttentionHeads,
    numKeyValueHeads: c.numAttentionHeads,
    headDim: c.hiddenSize / c.numAttentionHeads,
    maxPositions: c.maxPositionEmbeddings,
    learnedPositions: true,
    isDecoder: false,
    eosTokenIds: [],
    padTokenId: c.padTokenId,
    embeddingPath,
    outputHeadPath,
  };
}
