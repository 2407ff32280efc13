import { BERT_CONFIG_SCHEMA } from './config-schema.js';
import type { Architecture } from '../architecture.js';
import type { WeightMapping } from '../checkpoint-weights.js';
import { parseBertConfig } from './config.js';
import { BertForSequenceClassification, BertModel } from './model.js';

/**
 * BERT for the loader: `BertForSequenceClassification` (the default) and the bare `BertModel`.
 * Checkpoint names are matched as transformers matches them when loading:
 *
 * - layer-norm parameters of old checkpoints named `gamma` / `beta` load as `weight` / `bias`;
 * - a bare-encoder checkpoint (no `bert.` prefix, as `bert-base-uncased`) loads into the classifier
 *   model with the prefix added, and the head (`classifier.*`, and the pooler if absent) keeps its
 *   fresh initialisation with a warning;
 * - a `bert.`-prefixed checkpoint loads into `BertModel` with the prefix stripped (its classifier is
 *   ignored with a warning);
 * - pretraining heads (`cls.*`) and the `embeddings.position_ids` buffer are ignored silently.
 *
 * @example
 * ```ts
 * bertArchitecture.classes.BertForSequenceClassification(new ConfigReader(json), {});
 * ```
 */
export const bertArchitecture: Architecture = {
  configSchema: BERT_CONFIG_SCHEMA,
  modelTypes: ['bert'],
  classes: {
    BertForSequenceClassification: (r, opts) => new BertForSequenceClassification(parseBertConfig(r), r.raw, opts),
    BertModel: (r, opts) => new BertModel(parseBertConfig(r), r.raw, opts),
  },
  defaultClass: 'BertForSequenceClassification',
  weights: (cls) => bertWeightMapping(cls === 'BertModel' ? '' : 'bert.'),
};

/**
 * The checkpoint-name mapping onto a BERT module whose encoder lives under `encoderPrefix` (`bert.`
 * for the task models, empty for `BertModel`); see {@link bertArchitecture}.
 *
 * @example
 * ```ts
 * bertWeightMapping('bert.').rename!('embeddings.LayerNorm.gamma'); // 'bert.embeddings.LayerNorm.weight'
 * ```
 */
export function bertWeightMapping(encoderPrefix: '' | 'bert.'): WeightMapping {
  return {
    rename(fileKey) {
      if (fileKey.startsWith('cls.') || /(^|\.)embeddings\.position_ids$/.test(fileKey)) return undefined;
      const key = fileKey.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
      const bare = key.startsWith('bert.') ? key.slice('bert.'.length) : key;
      if (!isEncoderKey(bare)) return key; // a head: kept as named (ignored with a warning when the model lacks it)
      return encoderPrefix + bare;
    },
    optional: (modelKey) => modelKey.startsWith('classifier.') || modelKey.startsWith(`${encoderPrefix}pooler.`),
  };
}

function isEncoderKey(key: string): boolean {
  return key.startsWith('embeddings.') || key.startsWith('encoder.') || key.startsWith('pooler.');
}
