import { ConfigError } from '@peft/core';
import type { PretrainedTokenizer } from '@peft/models';
import { createCollator, collateExamples } from './data/collate-examples.js';
import { DataLoader } from './data/data-loader.js';
import type { DatasetFormat } from './data/dataset-format.js';
import type { Example } from './data/example.js';
import { loadDataset, loadParsedDataset } from './data/load-dataset.js';
import type { ParsedRecords } from './data/source-record.js';
import { packExamples } from './data/pack-examples.js';
import { splitDataset } from './data/split-dataset.js';
import type { DataConfig } from './train-config.js';
import type { BatchSource } from './trainer-types.js';

/**
 * Training and held-out examples built from a {@link DataConfig}, with what was learnt on the way.
 *
 * @example
 * ```ts
 * const { train, eval: held, format, notes } = await prepareData(cfg.data, { tokenizer, vocabSize: 512, seed: 42, readText });
 * ```
 */
export interface PreparedData {
  readonly train: Example[];
  readonly eval?: Example[];
  readonly format: DatasetFormat;
  /** Class names of a classification dataset, in id order. */
  readonly labelNames?: readonly string[];
  /** Lines for the user (truncations, examples without loss tokens, the split). */
  readonly notes: string[];
}

/**
 * Reads, tokenizes, splits and (optionally) packs the datasets a training config names. `readText`
 * reads a file (Node: `readFile(path, 'utf8')`; a browser: `fetch`). Classification datasets must
 * have as many classes as the model has labels (`numLabels`).
 *
 * @example
 * ```ts
 * const data = await prepareData({ train: 'train.jsonl', evalSplit: 0.1 }, { tokenizer, vocabSize: tokenizer.vocabSize, seed: 42, readText: (p) => readFile(p, 'utf8') });
 * ```
 */
export async function prepareData(
  config: DataConfig,
  opts: {
    tokenizer?: PretrainedTokenizer;
    vocabSize: number;
    numLabels?: number;
    seed: number;
    readText(path: string): Promise<string>;
    /** Reads a data source as parsed records (Parquet, Hub datasets); `undefined` falls back to `readText`. */
    readRecords?(path: string): Promise<readonly ParsedRecords[] | undefined>;
    /** Encoder-decoder data: source/target pairs become encoder inputs and target labels. */
    seq2seq?: boolean;
  },
): Promise<PreparedData> {
  const notes: string[] = [];
  const load = async (path: string, format?: DatasetFormat, labelNames?: readonly string[]) => {
    const parts = await opts.readRecords?.(path);
    const loadOpts = {
      format,
      tokenizer: opts.tokenizer,
      maxLength: config.packing ? undefined : config.maxLength,
      completionOnlyLoss: config.completionOnlyLoss,
      labelNames,
      numLabels: opts.numLabels,
      vocabSize: opts.vocabSize,
      seq2seq: opts.seq2seq,
    };
    const set = parts ? loadParsedDataset(parts, path, loadOpts) : loadDataset(await opts.readText(path), path, loadOpts);
    if (set.truncated) notes.push(`${path}: ${set.truncated} example(s) truncated to max_length ${config.maxLength}`);
    if (set.withoutLoss) notes.push(`${path}: ${set.withoutLoss} example(s) have no loss-carrying token (e.g. the completion was truncated away)`);
    return set;
  };
  const train = await load(config.train, config.format, config.labels);
  let trainExamples = train.examples;
  let evalExamples: Example[] | undefined;
  if (config.eval) {
    evalExamples = (await load(config.eval, train.format, train.labelNames)).examples;
  } else if (config.evalSplit !== undefined) {
    const split = splitDataset(trainExamples, config.evalSplit < 1 ? { evalFraction: config.evalSplit, seed: opts.seed } : { evalCount: config.evalSplit, seed: opts.seed });
    if (split.train.length === 0) throw new ConfigError(`${config.train}: eval_split ${config.evalSplit} leaves no training examples (${trainExamples.length} in all)`);
    [trainExamples, evalExamples] = [split.train, split.eval];
    notes.push(`${config.train}: ${evalExamples.length} of ${train.examples.length} examples held out for evaluation (seed ${opts.seed})`);
  }
  if (config.packing) {
    if (train.format === 'classification') throw new ConfigError(`${config.train}: packing concatenates token streams; it does not apply to classification data`);
    if (opts.seq2seq) throw new ConfigError(`${config.train}: packing concatenates token streams; it does not apply to an encoder-decoder's source/target pairs (set packing to false)`);
    const sep = opts.tokenizer?.eosTokenId;
    const before = trainExamples.length;
    trainExamples = packExamples(trainExamples, config.maxLength!, { separatorId: sep });
    if (evalExamples) evalExamples = packExamples(evalExamples, config.maxLength!, { separatorId: sep });
    notes.push(`${config.train}: ${before} examples packed into ${trainExamples.length} blocks of ${config.maxLength} tokens`);
  }
  return { train: trainExamples, eval: evalExamples, format: train.format, labelNames: train.labelNames, notes };
}

/**
 * The trainer's batch source over `examples`: a seeded, resumable {@link DataLoader} and a collator
 * that pads with the tokenizer's pad (or EOS) token on its padding side, or with 0 on the right when
 * there is no tokenizer (pre-tokenized data; the attention mask hides the padding).
 *
 * @example
 * ```ts
 * const trainer = new Trainer(peft, { train: batchSource(data.train, { batchSize: 8, shuffle: true, seed: 42, tokenizer }) });
 * ```
 */
export function batchSource(examples: readonly Example[], opts: { batchSize: number; shuffle: boolean; seed: number; tokenizer?: PretrainedTokenizer }): BatchSource<Example> {
  const loader = new DataLoader(examples, { batchSize: opts.batchSize, shuffle: opts.shuffle, seed: opts.seed });
  const tokenizer = opts.tokenizer;
  const padId = tokenizer ? (tokenizer.padTokenId ?? tokenizer.eosTokenId) : undefined;
  const collate = tokenizer && padId !== undefined ? createCollator(tokenizer) : (rows: readonly Example[], backend?: Parameters<typeof collateExamples>[1]['backend']) => collateExamples(rows, { padTokenId: 0, paddingSide: 'right', backend });
  return { loader, collate: (rows, backend) => collate(rows, backend) };
}
