import { ArgumentError, type PretrainedModel, fromArray, noGrad, tidy, type Tensor } from '@peft/core';
import { KVCache, argmax, narrow, reshape } from '@peft/core/plugin';
import { checkTokenIds } from '../input-validation.js';
import { type SamplingOptions, TokenSampler } from './sampling.js';
import { decoderStartTokenId, seq2seqSteps } from './seq2seq-steps.js';

/**
 * Options of {@link generate} and {@link generateStream}.
 *
 * @example
 * ```ts
 * const opts: GenerateOptions = { maxNewTokens: 32, doSample: true, topP: 0.9, seed: 42 };
 * ```
 */
export interface GenerateOptions extends SamplingOptions {
  /** New tokens per row at most (default 20). */
  maxNewTokens?: number;
  /** A row stops when it produces one of these (default: the model's eos ids). */
  eosTokenIds?: readonly number[];
  /** Fills the rows that have stopped while others go on (default: the model's pad id, else the first eos id). */
  padTokenId?: number;
  /** `[batch, promptLength]` 1/0 mask for padded prompts (left padding for decoders); default all ones. */
  attentionMask?: readonly (readonly number[])[];
  /** Reuse keys and values between steps (default true); false recomputes the whole sequence each step. */
  useCache?: boolean;
  /** Called with each step's new token of every row. */
  onToken?: (tokens: readonly number[], step: number) => void;
  /** Keep the logits each token was picked from (`GenerateResult.scores`). */
  outputScores?: boolean;
}

/**
 * What {@link generate} returns.
 *
 * @example
 * ```ts
 * const { sequences } = await generate(model, [[0, 5, 9]], { maxNewTokens: 4 });
 * ```
 */
export interface GenerateResult {
  /** Prompt + new tokens per row (rows that stopped early are filled with the pad id). */
  readonly sequences: number[][];
  /** With `outputScores`: per step, per row, the logits the token was picked from. */
  readonly scores?: Float32Array[][];
}

/**
 * Generates continuations of a batch of prompts, streaming each step's tokens (one per row). Greedy by
 * default; `doSample` with `temperature` / `topK` / `topP` / `seed` samples. With a KV cache, the
 * prompt is run once and each step feeds only the new token. Positions follow the attention mask
 * (`cumsum(mask) - 1`), so left-padded prompts continue as if unpadded. Works with any model that
 * implements {@link PretrainedModel}'s forward, including wrapped ones that add prompts or prefixes.
 * Greedy steps with the cache are chained on the device and run up to two steps ahead of the tokens
 * handed out (the work after the last row stops is dropped). An encoder-decoder (T5) runs its encoder
 * once and decodes from its start token (see {@link seq2seqSteps}).
 *
 * @example
 * ```ts
 * for await (const tokens of generateStream(model, [[0, 17, 4]], { maxNewTokens: 8 })) {
 *   process.stdout.write(tokenizer.decode([tokens[0]]));
 * }
 * ```
 */
export async function* generateStream(model: PretrainedModel, inputIds: readonly (readonly number[])[], opts: GenerateOptions = {}): AsyncGenerator<readonly number[]> {
  for await (const step of steps(model, inputIds, opts)) yield step.tokens;
}

/** One generation step: the new token of every row, and the logits they came from when kept. */
interface Step {
  tokens: readonly number[];
  scores: Float32Array[];
}

/** How many greedy steps (with a cache) the device may run ahead of the host's reads; steps found to follow every row's stop are dropped. */
const LOOKAHEAD = 2;

async function* steps(model: PretrainedModel, inputIds: readonly (readonly number[])[], opts: GenerateOptions): AsyncGenerator<Step> {
  if (model.info.task === 'seq2seq-lm') {
    yield* seq2seqSteps(model, inputIds, opts);
    return;
  }
  const batch = inputIds.length;
  const promptLength = batch ? inputIds[0].length : 0;
  if (batch === 0 || promptLength === 0 || inputIds.some((r) => r.length !== promptLength)) {
    throw new ArgumentError(`generate: expected a non-empty [batch, length] array of prompt ids with rows of equal length, got rows of lengths [${inputIds.map((r) => r.length).join(', ')}]`);
  }
  checkTokenIds('generate', inputIds, model.info.vocabSize);
  const maxNew = opts.maxNewTokens ?? 20;
  if (!Number.isInteger(maxNew) || maxNew < 0) throw new ArgumentError(`generate: expected maxNewTokens to be a non-negative integer, got ${maxNew}`);
  const mask = (opts.attentionMask ?? inputIds.map((r) => r.map(() => 1))).map((r) => [...r]);
  if (mask.length !== batch || mask.some((r) => r.length !== promptLength || r.some((v) => v !== 0 && v !== 1))) {
    throw new ArgumentError(`generate: expected attentionMask of 0/1 values shaped like the prompts [${batch}, ${promptLength}]`);
  }
  if (model.info.learnedPositions) {
    // positions follow the mask, so a row's last position is its real-token count - 1 plus the new tokens
    const longest = Math.max(...mask.map((r) => r.reduce((a, m) => a + m, 0)));
    if (longest + maxNew > model.info.maxPositions) {
      throw new ArgumentError(
        `generate: ${model.info.modelType} has ${model.info.maxPositions} learned positions; the longest prompt holds ${longest} tokens, so at most ${Math.max(0, model.info.maxPositions - longest)} new tokens fit, got maxNewTokens ${maxNew}`,
      );
    }
  }
  const eos = opts.eosTokenIds ?? model.info.eosTokenIds;
  const pad = opts.padTokenId ?? model.info.padTokenId ?? eos[0] ?? 0;
  const sampler = new TokenSampler(opts);
  const useCache = opts.useCache ?? true;
  const backend = model.getInputEmbeddings().weight.backend;
  const sequences = inputIds.map((r) => [...r]);
  const finished = new Array<boolean>(batch).fill(false);
  const cache = useCache ? new KVCache(model.info.numLayers, { persistent: true }) : undefined;
  const needLogits = sampler.sampling || opts.outputScores === true;
  // an all-ones mask masks nothing: leaving it out spares an upload and the bias kernels every step
  const padded = mask.some((r) => r.includes(0));
  // greedy with a cache: each step's picked ids stay on the device and feed the next step; up to
  // LOOKAHEAD later steps are encoded and submitted while the host waits for the [batch] ids of the
  // oldest one (its only read per step, which stopping on eos needs)
  const chained = cache !== undefined && !needLogits;

  /** Runs step `step` (the sequences hold `promptLength + step` tokens); greedy: the picked ids `[batch]`, else the last logits `[batch, vocab]`. */
  const forwardStep = (step: number, fedIds?: Tensor): Tensor => {
    const length = promptLength + step;
    const fed = cache && step > 0 ? 1 : length;
    const start = length - fed;
    const maskRows = mask.map((r) => (r.length === length ? r : [...r, ...new Array<number>(length - r.length).fill(1)]));
    return tidy(() =>
      noGrad(() => {
        const ids = fedIds ? reshape(fedIds, [batch, 1]) : fromArray(sequences.flatMap((r) => r.slice(start)), [batch, fed], { dtype: 'i32', backend });
        const fullMask = padded ? fromArray(maskRows.flat(), [batch, length], { dtype: 'i32', backend }) : undefined;
        const positions = fromArray(maskRows.flatMap((r) => maskPositions(r).slice(start)), [batch, fed], { dtype: 'i32', backend });
        const { logits } = model.forward({ inputIds: ids, attentionMask: fullMask, positionIds: positions, pastKeyValues: cache });
        const last = reshape(narrow(logits, 1, logits.shape[1] - 1, 1), [batch, logits.shape[2]]);
        return needLogits ? last : argmax(last, -1);
      }),
    );
  };

  // steps encoded and not yet read, oldest first, each with its pending read of the picked ids or logits
  const inFlight: { out: Tensor; reading: Promise<Float32Array | Int32Array> }[] = [];
  const launch = (step: number, fedIds?: Tensor): void => {
    const out = forwardStep(step, fedIds);
    const reading = out.data<Float32Array | Int32Array>(); // submits the step's work
    reading.catch(() => undefined); // awaited in order below; a later step may throw first
    inFlight.push({ out, reading });
  };
  try {
    if (maxNew > 0) launch(0);
    for (let step = 0; inFlight.length > 0; step++) {
      // chained: keep the device LOOKAHEAD steps ahead of the host, each fed by the one before
      for (let k = step + inFlight.length; chained && k < maxNew && inFlight.length <= LOOKAHEAD; k++) launch(k, inFlight[inFlight.length - 1].out);
      const { out, reading } = inFlight[0];
      const values = await reading;
      let next: number[];
      let rows: Float32Array[] = [];
      if (needLogits) {
        const vocab = out.shape[1];
        rows = Array.from({ length: batch }, (_, b) => Float32Array.from(values.subarray(b * vocab, (b + 1) * vocab)));
        next = rows.map((row) => sampler.pick(row));
      } else {
        next = Array.from(values);
      }
      inFlight.shift();
      out.dispose();
      // rows that stopped show the pad id (chained steps still feed them their own picks: rows never mix)
      const tokens = next.map((t, b) => (finished[b] ? pad : t));
      tokens.forEach((t, b) => {
        sequences[b].push(t);
        mask[b].push(1);
        if (eos.includes(t)) finished[b] = true;
      });
      opts.onToken?.(tokens, step);
      yield { tokens, scores: opts.outputScores ? rows : [] };
      if (finished.every(Boolean)) break;
      if (!chained && step + 1 < maxNew) launch(step + 1);
    }
  } finally {
    for (const { out } of inFlight) out.dispose();
    cache?.dispose();
  }
}

/**
 * Generates continuations of a batch of prompts and returns the full sequences (see
 * {@link generateStream} for the semantics). For an encoder-decoder (T5) the prompts are the encoder
 * inputs and the sequences are the decoder's: `decoder_start_token_id`, then the new tokens.
 *
 * @example
 * ```ts
 * const { sequences } = await generate(model, [[0, 17, 4]], { maxNewTokens: 8 }); // greedy
 * const sampled = await generate(model, [[0, 17, 4]], { doSample: true, temperature: 0.7, seed: 3 });
 * ```
 */
export async function generate(model: PretrainedModel, inputIds: readonly (readonly number[])[], opts: GenerateOptions = {}): Promise<GenerateResult> {
  // an encoder-decoder returns the decoder's sequences, which start with the decoder start token
  const sequences = model.info.task === 'seq2seq-lm' ? inputIds.map(() => [decoderStartTokenId(model)]) : inputIds.map((r) => [...r]);
  const scores: Float32Array[][] = [];
  for await (const step of steps(model, inputIds, opts)) {
    step.tokens.forEach((t, b) => sequences[b].push(t));
    if (opts.outputScores) scores.push(step.scores);
  }
  return { sequences, scores: opts.outputScores ? scores : undefined };
}

/**
 * Positions from a 1/0 mask as transformers' `generate` derives them: `cumsum(mask) - 1`, with padded
 * positions set to 1.
 *
 * @example
 * ```ts
 * maskPositions([0, 0, 1, 1, 1]); // [1, 1, 0, 1, 2]
 * ```
 */
export function maskPositions(mask: readonly number[]): number[] {
  let seen = 0;
  return mask.map((m) => {
    seen += m;
    return m ? seen - 1 : 1;
  });
}
