import type { PretrainedModel } from '@peft/core';
import { type PretrainedTokenizer, generate } from '@peft/models';

/**
 * What {@link completionAccuracy} found: the share of prompts whose greedy continuation starts with
 * the expected completion, and every continuation.
 *
 * @example
 * ```ts
 * const { accuracy, predictions } = await completionAccuracy(model, tokenizer, pairs);
 * ```
 */
export interface CompletionAccuracy {
  readonly accuracy: number;
  readonly predictions: readonly { readonly prompt: string; readonly expected: string; readonly generated: string; readonly correct: boolean }[];
}

/**
 * Greedy-decodes each prompt for as many tokens as its expected completion has (plus `extraTokens`)
 * and counts it correct when the decoded continuation, trimmed, starts with the trimmed completion
 * as a whole word (`ham` does not match `hamster`):
 * an exact-match metric for tasks whose answer is a short completion (a label, a format). Prompts
 * run in batches, left-padded (right-padded encoder inputs for an encoder-decoder such as T5, whose
 * generated decoder tokens are the continuation), in evaluation mode.
 *
 * @example
 * ```ts
 * const { accuracy } = await completionAccuracy(peft, tokenizer, [{ prompt: 'Mail: …\nLabel:', completion: ' spam' }]);
 * ```
 */
export async function completionAccuracy(
  model: PretrainedModel,
  tokenizer: PretrainedTokenizer,
  pairs: readonly { readonly prompt: string; readonly completion: string }[],
  opts: { batchSize?: number; extraTokens?: number } = {},
): Promise<CompletionAccuracy> {
  const batchSize = opts.batchSize ?? 8;
  const wasTraining = model.training;
  model.eval();
  const pad = tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0;
  const predictions: { prompt: string; expected: string; generated: string; correct: boolean }[] = [];
  try {
    for (let start = 0; start < pairs.length; start += batchSize) {
      const chunk = pairs.slice(start, start + batchSize);
      const prompts = chunk.map((p) => tokenizer.encode(p.prompt));
      const longest = Math.max(...prompts.map((p) => p.length));
      // a decoder continues left-padded prompts; an encoder-decoder reads right-padded inputs and
      // returns the decoder's tokens after its start token
      const seq2seq = model.info.task === 'seq2seq-lm';
      const fill = (p: number[], v: number): number[] => new Array<number>(longest - p.length).fill(v);
      const ids = prompts.map((p) => (seq2seq ? [...p, ...fill(p, pad)] : [...fill(p, pad), ...p]));
      const mask = prompts.map((p) => (seq2seq ? [...p.map(() => 1), ...fill(p, 0)] : [...fill(p, 0), ...p.map(() => 1)]));
      const skip = seq2seq ? 1 : longest;
      const want = Math.max(...chunk.map((p) => tokenizer.encode(p.completion).length)) + (opts.extraTokens ?? 0);
      const { sequences } = await generate(model, ids, { maxNewTokens: Math.max(1, want), attentionMask: mask, padTokenId: pad });
      chunk.forEach((p, i) => {
        const generated = tokenizer.decode(sequences[i].slice(skip), { skipSpecialTokens: true });
        const [g, e] = [generated.trim(), p.completion.trim()];
        const correct = e !== '' && g.startsWith(e) && !/\w/.test(g.charAt(e.length));
        predictions.push({ prompt: p.prompt, expected: p.completion, generated, correct });
      });
    }
  } finally {
    if (wasTraining) model.train();
  }
  return { accuracy: predictions.length ? predictions.filter((p) => p.correct).length / predictions.length : Number.NaN, predictions };
}
