import { ArgumentError, concat, ones, unsqueeze, type ModelInputs, type Tensor } from '@peft/core';
import { KVCache, expand, narrow, reshape, type PromptEncoder } from '@peft/core/plugin';
import type { Seq2SeqInputs, Seq2SeqOutput } from '../seq2seq/seq2seq-inputs.js';
import type { T5ForConditionalGeneration } from './model.js';

/**
 * A T5 forward with a prompt-learning adapter, in Hugging Face PEFT's seq2seq layout
 * (`PeftModelForSeq2SeqLM`, `num_transformer_submodules` 2):
 *
 * - `'prompt'` (prompt tuning, p-tuning): the encoder rows hold `2 · numVirtualTokens` virtual tokens;
 *   the first half go in front of the encoder's input embeddings and its mask gains ones for them. The
 *   decoder and the labels are unchanged (PEFT never uses the second half).
 * - `'prefix'`: the rows `[numVirtualTokens, numLayers · 2 · heads · dKv]` become the decoder
 *   self-attention's past keys and values, with PEFT's layer order (its cache duplicates the
 *   per-layer blocks and splits them four at a time, so decoder layer `j` reads block `2j mod
 *   numLayers`); a given decoder mask gains ones for them. PEFT empties the cross-attention cache,
 *   so the encoder and the cross-attention see no prefix.
 *
 * Calls that carry a previous encoder output (generation's later steps) pass through unchanged,
 * apart from a prefix put into an empty cache.
 *
 * @example
 * ```ts
 * const out = t5PromptForward(t5, encoder, { inputIds, attentionMask, labels });
 * ```
 */
export function t5PromptForward(model: T5ForConditionalGeneration, encoder: PromptEncoder, inputs: ModelInputs): Seq2SeqOutput {
  const s2s = inputs as Seq2SeqInputs;
  const rows = encoder.forward();
  if (encoder.kind === 'prefix') return prefixForward(model, rows, s2s);
  if (s2s.encoderOutputs) return model.forward(s2s);
  if (rows.shape[0] % 2 !== 0) {
    throw new ArgumentError(`T5 prompt learning: expected 2 · num_virtual_tokens prompt rows (encoder and decoder halves, as PEFT's num_transformer_submodules 2), got ${rows.shape[0]}`);
  }
  const virtual = rows.shape[0] / 2;
  const embeds = s2s.inputsEmbeds ?? model.getInputEmbeddings().forward(requireIds(s2s));
  const [b] = embeds.shape;
  const first = narrow(rows, 0, 0, virtual);
  const prompt = expand(unsqueeze(first.dtype === embeds.dtype ? first : first.cast(embeds.dtype), 0), [b, virtual, rows.shape[1]]);
  const mask = s2s.attentionMask ? concat([ones([b, virtual], { dtype: s2s.attentionMask.dtype, backend: embeds.backend }), s2s.attentionMask], 1) : undefined;
  return model.forward({ ...s2s, inputIds: undefined, inputsEmbeds: concat([prompt, embeds], 1), attentionMask: mask, positionIds: undefined, tokenTypeIds: undefined });
}

function requireIds(inputs: Seq2SeqInputs): Tensor {
  if (!inputs.inputIds) throw new ArgumentError('T5 prompt learning: expected inputIds or inputsEmbeds, got neither');
  return inputs.inputIds;
}

function prefixForward(model: T5ForConditionalGeneration, rows: Tensor, inputs: Seq2SeqInputs): Seq2SeqOutput {
  const cache = inputs.pastKeyValues ?? new KVCache(model.t5Config.numDecoderLayers);
  if (cache.length > 0) return model.forward(inputs);
  const { numLayers, numDecoderLayers, numHeads: heads, dKv } = model.t5Config;
  const [virtual, width] = rows.shape;
  if (width !== numLayers * 2 * heads * dKv || numDecoderLayers !== numLayers) {
    throw new ArgumentError(
      `T5 prefix tuning: expected prefix rows of width num_layers·2·heads·d_kv = ${numLayers}·2·${heads}·${dKv} = ${numLayers * 2 * heads * dKv} and as many decoder layers as encoder layers (PEFT's layout), got rows [${rows.shape.join(', ')}] and ${numDecoderLayers} decoder layers`,
    );
  }
  const batch = (inputs.decoderInputIds ?? inputs.decoderInputsEmbeds ?? inputs.labels ?? inputs.inputIds ?? inputs.inputsEmbeds)?.shape[0];
  if (batch === undefined) throw new ArgumentError('T5 prefix tuning: expected encoder or decoder inputs, got none');
  const blocks = reshape(expand(unsqueeze(rows, 0), [batch, virtual, width]), [batch, virtual, numLayers * 2, heads, dKv]).permute([2, 0, 3, 1, 4]);
  const take = (entry: number): Tensor => blocks.slice([entry], [entry + 1]).reshape([batch, heads, virtual, dKv]);
  for (let j = 0; j < numDecoderLayers; j++) {
    const m = (2 * j) % numLayers;
    cache.update(j, take(2 * m), take(2 * m + 1));
  }
  const dm = inputs.decoderAttentionMask;
  const mask = dm ? concat([ones([dm.shape[0], virtual], { dtype: dm.dtype, backend: dm.backend }), dm], 1) : undefined;
  return model.forward({ ...inputs, decoderAttentionMask: mask, pastKeyValues: cache, positionIds: undefined, tokenTypeIds: undefined });
}
