/**
 * Scoring a causal LM on a prompt/completion classification task: the accuracy of greedy generation
 * (the first word generated after the prompt is the right label) and of the likelihood rule (the
 * right completion is the more likely of the candidates), and the mean loss of the right completion.
 */
import { type Backend, type PretrainedModel, fromArray, noGrad, tidy } from '../../packages/core/src/index.js';
import { type PretrainedTokenizer, generate } from '../../packages/models/src/index.js';

/** One example, already tokenized. */
export interface TaskExample {
  readonly prompt: string;
  readonly completion: string;
  readonly promptIds: readonly number[];
}

/** What {@link scoreTask} measures. */
export interface TaskScore {
  /** Share of examples whose greedy continuation's first word is the label. */
  readonly greedyAccuracy: number;
  /** Share of examples whose right completion has the highest log-likelihood among the candidates. */
  readonly likelihoodAccuracy: number;
  /** Mean per-token negative log-likelihood of the right completion (and eos). */
  readonly completionLoss: number;
  /** The greedy continuation of each example (up to eos). */
  readonly generations: string[];
}

/** Sum of log-probabilities of `ids[from..]` given the logits rows `[len, vocab]` of one sequence. */
function sequenceLogProb(logits: Float32Array, vocab: number, ids: readonly number[], from: number): number {
  let total = 0;
  for (let t = from; t < ids.length; t++) {
    const row = (t - 1) * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[row + v]);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[row + v] - max);
    total += logits[row + ids[t]] - max - Math.log(sum);
  }
  return total;
}

/** Log-likelihoods of `[prompt + candidate + eos]` sequences (right-padded batches of `batch`), one per sequence. */
async function logLikelihoods(model: PretrainedModel, backend: Backend, seqs: { ids: number[]; from: number }[], eosId: number, batch: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < seqs.length; i += batch) {
    const rows = seqs.slice(i, i + batch);
    const len = Math.max(...rows.map((r) => r.ids.length));
    const ids = rows.flatMap((r) => [...r.ids, ...new Array<number>(len - r.ids.length).fill(eosId)]);
    const mask = rows.flatMap((r) => r.ids.map(() => 1).concat(new Array<number>(len - r.ids.length).fill(0)));
    const logits = tidy(() =>
      noGrad(() =>
        model.forward({
          inputIds: fromArray(ids, [rows.length, len], { dtype: 'i32', backend }),
          attentionMask: fromArray(mask, [rows.length, len], { dtype: 'i32', backend }),
        }).logits,
      ),
    );
    const vocab = logits.shape[2];
    const values = await logits.data<Float32Array>();
    logits.dispose();
    rows.forEach((r, k) => out.push(sequenceLogProb(values.subarray(k * len * vocab, (k + 1) * len * vocab), vocab, r.ids, r.from)));
  }
  return out;
}

/**
 * Scores a model on tokenized examples whose completions are among `candidates`.
 *
 * @example
 * ```ts
 * const s = await scoreTask(model, tokenizer, examples, [' spam', ' ham']);
 * s.greedyAccuracy; // 0.97
 * ```
 */
export async function scoreTask(
  model: PretrainedModel,
  tokenizer: PretrainedTokenizer,
  examples: readonly TaskExample[],
  candidates: readonly string[],
  opts: { batch?: number; maxNewTokens?: number } = {},
): Promise<TaskScore> {
  const batch = opts.batch ?? 16;
  const backend = model.getInputEmbeddings().weight.backend;
  const eosId = tokenizer.tokenToId('<|endoftext|>')!;
  const candIds = candidates.map((c) => [...tokenizer.encode(c), eosId]);
  const seqs = examples.flatMap((e) => candIds.map((c) => ({ ids: [...e.promptIds, ...c], from: e.promptIds.length })));
  const ll = await logLikelihoods(model, backend, seqs, eosId, batch);
  let likelihoodRight = 0;
  let completionNll = 0;
  let completionTokens = 0;
  examples.forEach((e, i) => {
    const scores = candidates.map((_, k) => ll[i * candidates.length + k]);
    const right = candidates.indexOf(e.completion);
    if (scores.indexOf(Math.max(...scores)) === right) likelihoodRight++;
    completionNll -= scores[right];
    completionTokens += candIds[right].length;
  });

  const generations: string[] = [];
  let greedyRight = 0;
  for (let i = 0; i < examples.length; i += batch) {
    const rows = examples.slice(i, i + batch);
    const len = Math.max(...rows.map((r) => r.promptIds.length));
    const padded = rows.map((r) => [...new Array<number>(len - r.promptIds.length).fill(eosId), ...r.promptIds]);
    const attentionMask = rows.map((r) => [...new Array<number>(len - r.promptIds.length).fill(0), ...r.promptIds.map(() => 1)]);
    const { sequences } = await generate(model, padded, { maxNewTokens: opts.maxNewTokens ?? 3, attentionMask, eosTokenIds: [eosId], padTokenId: eosId });
    sequences.forEach((s, k) => {
      const fresh = s.slice(len);
      const end = fresh.indexOf(eosId);
      const text = tokenizer.decode(end < 0 ? fresh : fresh.slice(0, end));
      generations.push(text);
      if (text.trim().split(/\s+/)[0] === rows[k].completion.trim()) greedyRight++;
    });
  }
  return {
    greedyAccuracy: greedyRight / examples.length,
    likelihoodAccuracy: likelihoodRight / examples.length,
    completionLoss: completionNll / completionTokens,
    generations,
  };
}
