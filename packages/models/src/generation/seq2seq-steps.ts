import { ArgumentError, type PretrainedModel, type Tensor, fromArray, keep, noGrad, tidy } from '@peft/core';
import { KVCache, narrow, reshape } from '@peft/core/plugin';
import { checkTokenIds } from '../input-validation.js';
import type { EncoderOutput, Seq2SeqInputs, Seq2SeqOutput } from '../seq2seq/seq2seq-inputs.js';
import type { GenerateOptions } from './generate.js';
import { TokenSampler } from './sampling.js';

/**
 * One generation step of an encoder-decoder: every row's new token, and the logits they came from when kept.
 *
 * @example
 * ```ts
 * const step: Seq2SeqStep = { tokens: [42, 7], scores: [] };
 * ```
 */
export interface Seq2SeqStep {
  readonly tokens: readonly number[];
  readonly scores: Float32Array[];
}

/**
 * The generation loop of an encoder-decoder (T5), as transformers runs it: the encoder runs once on
 * the (possibly padded) inputs; the decoder starts from `decoder_start_token_id` and, with the cache,
 * is fed one token per step while its self-attention cache grows and the cross-attention keys and
 * values, computed on the first step, are reused. Without the cache every step runs the encoder and
 * the whole decoder sequence again. Works through wrappers (a PeftModel, prompt adapters included),
 * since it only calls `forward`. Yields each step's tokens; the caller assembles the sequences
 * (decoder ids, start token first).
 *
 * @example
 * ```ts
 * for await (const step of seq2seqSteps(t5, [[13, 7, 1]], { maxNewTokens: 8 })) console.log(step.tokens);
 * ```
 */
export async function* seq2seqSteps(model: PretrainedModel, inputIds: readonly (readonly number[])[], opts: GenerateOptions): AsyncGenerator<Seq2SeqStep> {
  const batch = inputIds.length;
  const length = batch ? inputIds[0].length : 0;
  if (batch === 0 || length === 0 || inputIds.some((r) => r.length !== length)) {
    throw new ArgumentError(`generate: expected a non-empty [batch, length] array of encoder input ids with rows of equal length, got rows of lengths [${inputIds.map((r) => r.length).join(', ')}]`);
  }
  checkTokenIds('generate', inputIds, model.info.vocabSize);
  const maxNew = opts.maxNewTokens ?? 20;
  if (!Number.isInteger(maxNew) || maxNew < 0) throw new ArgumentError(`generate: expected maxNewTokens to be a non-negative integer, got ${maxNew}`);
  const mask = opts.attentionMask ?? inputIds.map((r) => r.map(() => 1));
  if (mask.length !== batch || mask.some((r) => r.length !== length || r.some((v) => v !== 0 && v !== 1))) {
    throw new ArgumentError(`generate: expected attentionMask of 0/1 values shaped like the inputs [${batch}, ${length}]`);
  }
  const config = model.config;
  const start = decoderStartTokenId(model);
  const eos = opts.eosTokenIds ?? model.info.eosTokenIds;
  const pad = opts.padTokenId ?? model.info.padTokenId ?? eos[0] ?? 0;
  const sampler = new TokenSampler(opts);
  const useCache = opts.useCache ?? true;
  const backend = model.getInputEmbeddings().weight.backend;
  const decoderLayers = Math.max(model.info.numLayers, typeof config.num_decoder_layers === 'number' ? config.num_decoder_layers : 0);
  const selfCache = useCache ? new KVCache(decoderLayers, { persistent: true }) : undefined;
  const crossCache = useCache ? new KVCache(decoderLayers, { persistent: true }) : undefined;
  const padded = mask.some((r) => r.includes(0));
  const sequences = inputIds.map(() => [start]);
  const finished = new Array<boolean>(batch).fill(false);
  let encoded: EncoderOutput | undefined;
  try {
    for (let step = 0; step < maxNew; step++) {
      const last = tidy(() =>
        noGrad(() => {
          const fed = selfCache && step > 0 ? 1 : sequences[0].length;
          const decoderIds = fromArray(sequences.flatMap((r) => r.slice(r.length - fed)), [batch, fed], { dtype: 'i32', backend });
          const inputs: Seq2SeqInputs = encoded
            ? { encoderOutputs: encoded, decoderInputIds: decoderIds, pastKeyValues: selfCache, crossAttentionCache: crossCache }
            : {
                inputIds: fromArray(inputIds.flat(), [batch, length], { dtype: 'i32', backend }),
                attentionMask: padded ? fromArray(mask.flat(), [batch, length], { dtype: 'i32', backend }) : undefined,
                decoderInputIds: decoderIds,
                pastKeyValues: selfCache,
                crossAttentionCache: crossCache,
              };
          const out = model.forward(inputs) as Seq2SeqOutput;
          if (selfCache && !encoded) {
            // the encoder output (prompt tokens included) serves every later step
            const e = out.encoderOutputs;
            encoded = { lastHiddenState: keep(e.lastHiddenState), attentionMask: e.attentionMask ? keep(e.attentionMask) : undefined };
          }
          const logits = out.logits;
          return reshape(narrow(logits, 1, logits.shape[1] - 1, 1), [batch, logits.shape[2]]);
        }),
      );
      const values = await last.data<Float32Array>();
      const vocab = last.shape[1];
      last.dispose();
      const rows = Array.from({ length: batch }, (_, b) => values.subarray(b * vocab, (b + 1) * vocab));
      const tokens = rows.map((row, b) => (finished[b] ? pad : sampler.pick(row)));
      tokens.forEach((t, b) => {
        sequences[b].push(t);
        if (eos.includes(t)) finished[b] = true;
      });
      opts.onToken?.(tokens, step);
      yield { tokens, scores: opts.outputScores ? rows.map((r) => Float32Array.from(r)) : [] };
      if (finished.every(Boolean)) break;
    }
  } finally {
    selfCache?.dispose();
    crossCache?.dispose();
    if (encoded) disposeEncoded(encoded);
  }
}

function disposeEncoded(e: EncoderOutput): void {
  const tensors: Tensor[] = [e.lastHiddenState, ...(e.attentionMask ? [e.attentionMask] : [])];
  for (const t of tensors) if (!t.isDisposed) t.dispose();
}

/**
 * The decoder start token of an encoder-decoder (`decoder_start_token_id`, else the pad id).
 *
 * @example
 * ```ts
 * decoderStartTokenId(t5); // 0
 * ```
 */
export function decoderStartTokenId(model: PretrainedModel): number {
  const v = model.config.decoder_start_token_id;
  return typeof v === 'number' ? v : (model.info.padTokenId ?? 0);
}
