import type { Architecture } from '../architecture.js';
import { parseT5Config } from './config.js';
import { T5ForConditionalGeneration } from './model.js';

/**
 * T5 for the loader: `T5ForConditionalGeneration` (original T5, T5 v1.1, FLAN-T5) and
 * `MT5ForConditionalGeneration` (the same layout). The `encoder.embed_tokens` / `decoder.embed_tokens`
 * copies older files carry are the `shared` table and are skipped; a missing `lm_head.weight` is the
 * tied table when `tie_word_embeddings` is true. UMT5 configs get a ConfigError naming them.
 *
 * @example
 * ```ts
 * t5Architecture.classes.T5ForConditionalGeneration(new ConfigReader(json), {});
 * ```
 */
export const t5Architecture: Architecture = {
  modelTypes: ['t5', 'mt5', 'umt5'],
  classes: {
    T5ForConditionalGeneration: (r, opts) => new T5ForConditionalGeneration(parseT5Config(r), r.raw, opts),
    MT5ForConditionalGeneration: (r, opts) => new T5ForConditionalGeneration(parseT5Config(r), r.raw, opts),
    UMT5ForConditionalGeneration: (r, opts) => new T5ForConditionalGeneration(parseT5Config(r), r.raw, opts),
  },
  defaultClass: 'T5ForConditionalGeneration',
  parameterLowerBound(r) {
    const c = parseT5Config(r);
    const inner = c.numHeads * c.dKv;
    const attention = 4 * c.dModel * inner;
    const ff = (c.isGatedAct ? 3 : 2) * c.dModel * c.dFf;
    const head = c.tieWordEmbeddings ? 0 : c.vocabSize * c.dModel;
    // embeddings (+ an untied head), encoder blocks (attention, feed-forward), decoder blocks (two attentions)
    return c.vocabSize * c.dModel + head + c.numLayers * (attention + ff) + c.numDecoderLayers * (2 * attention + ff);
  },
  weights: (_cls, r) => ({
    rename: (key) => (/^(encoder|decoder)\.embed_tokens\.weight$/.test(key) ? undefined : key),
    derived: (key) => key === 'lm_head.weight' && parseT5Config(r).tieWordEmbeddings,
  }),
};
