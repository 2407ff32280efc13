import { type PretrainedModel, type Tensor, fromArray, noGrad } from '@peft/core';
import { type PretrainedTokenizer, decoderStartTokenId } from '@peft/models';
import { adapterFlags, adapterNames, applyAdapters } from '../adapters.js';
import { parseCommandArgs } from '../args.js';
import { openBackend, parseBackendChoice } from '../backend-choice.js';
import { checkpointFolder, loadModelFrom, optionalTokenizer } from '../checkpoint.js';
import type { Command } from '../command.js';
import { topK } from '../format.js';
import { type InputBatch, readInputFile } from '../input-file.js';
import { UsageError } from '../usage-error.js';

const USAGE = `Usage: peft forward --model DIR|ID --input FILE.json [--adapter DIR|ID]... [--merge] [--json] [--backend webgpu|cpu]

Runs one forward pass of a Hugging Face checkpoint over a batch of token ids and prints the logits.

  --model DIR|ID      checkpoint folder (config.json, model.safetensors, optional tokenizer.json),
                      or a Hub id (org/name) fetched into the shared cache
  --revision REV      for a Hub id: a branch, tag or commit (default main)
  --input FILE.json   {"input_ids": [[…]], "attention_mask"?: [[…]], "token_type_ids"?: [[…]]};
                      an encoder-decoder (T5) also takes "decoder_input_ids"?: [[…]] (default: the
                      decoder start token alone) and gives the decoder's logits
  --adapter DIR|ID    a saved PEFT adapter (adapter_config.json, adapter_model.safetensors; a folder,
                      or a Hub id, org/name/sub for a subfolder) to apply;
                      repeat it to apply several together (the first is named "default", the
                      others after their folder)
  --merge             merge the adapters into the base weights before running
  --json              print {"shape": [...], "logits": [...]} on stdout: [batch, seq, vocab] for
                      language models ([batch, decoder seq, vocab] for T5), [batch, labels] for classifiers
  --backend B         webgpu (default; falls back to cpu with a note when no adapter exists) or cpu
  -h, --help          this text
`;

/**
 * `peft forward`: one forward pass over ids from a JSON file; the logits as JSON, or a summary with
 * the top-5 next tokens (or labels) per row.
 *
 * @example
 * ```sh
 * peft forward --model ./gpt2 --input batch.json --json
 * peft forward --model ./gpt2 --adapter ./my-lora --merge --input batch.json
 * ```
 */
export const forwardCommand: Command = {
  name: 'forward',
  summary: 'run one forward pass over token ids from a JSON file and print the logits',
  usage: USAGE,
  async run(argv, { io }) {
    const { values } = parseCommandArgs('forward', argv, {
      model: { type: 'string' },
      revision: { type: 'string' },
      input: { type: 'string' },
      adapter: { type: 'string', multiple: true },
      merge: { type: 'boolean' },
      json: { type: 'boolean' },
      backend: { type: 'string' },
    });
    if (values.model === undefined) throw new UsageError('forward: --model DIR is required');
    if (values.input === undefined) throw new UsageError('forward: --input FILE.json is required');
    const adapters = adapterFlags('forward', values.adapter, values.merge);
    const choice = parseBackendChoice('forward', values.backend);
    const source = await checkpointFolder(values.model as string, values.revision as string | undefined);
    const session = await openBackend(choice, io);
    try {
      const base = await loadModelFrom(source, session.backend, io);
      const model = await applyAdapters(base, adapters, { merge: values.merge === true, io });
      const batch = await readInputFile(values.input as string, model.info.vocabSize);
      const logits = runForward(model, batch);
      let data: unknown;
      try {
        data = await logits.array();
      } finally {
        logits.dispose();
      }
      const shape = [...logits.shape];
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ shape, logits: data })}\n`);
      } else {
        const tokenizer = model.info.task === 'causal-lm' || model.info.task === 'seq2seq-lm' ? await optionalTokenizer(source) : undefined;
        const withAdapters = adapters.length ? ` with adapters ${adapterNames(adapters).join(', ')}${values.merge ? ' (merged)' : ''}` : '';
        io.stdout.write(summary(model, batch, shape, data, `${session.backend.description}${withAdapters}`, tokenizer));
      }
      return 0;
    } finally {
      session.close();
    }
  },
};

function runForward(model: PretrainedModel, batch: InputBatch): Tensor {
  const backend = model.getInputEmbeddings().weight.backend;
  const shape = [batch.inputIds.length, batch.inputIds[0].length];
  const int = (m: number[][]) => fromArray(m.flat(), shape, { dtype: 'i32', backend });
  return noGrad(() => {
    const inputIds = int(batch.inputIds);
    const attentionMask = int(batch.attentionMask);
    const tokenTypeIds = batch.tokenTypeIds ? int(batch.tokenTypeIds) : undefined;
    const decoder = decoderIds(model, batch);
    const decoderInputIds = decoder ? fromArray(decoder.flat(), [decoder.length, decoder[0].length], { dtype: 'i32', backend }) : undefined;
    try {
      // an encoder-decoder's extra input (Seq2SeqInputs) rides along with the common ones
      const inputs = { inputIds, attentionMask, tokenTypeIds, decoderInputIds };
      return model.forward(inputs).logits;
    } finally {
      for (const t of [inputIds, attentionMask, tokenTypeIds, decoderInputIds]) t?.dispose();
    }
  });
}

/** The decoder ids of an encoder-decoder: the file's, or the start token alone; undefined for other models. */
function decoderIds(model: PretrainedModel, batch: InputBatch): number[][] | undefined {
  if (model.info.task !== 'seq2seq-lm') {
    if (batch.decoderInputIds) throw new UsageError(`forward: "decoder_input_ids" is for encoder-decoders; ${model.info.modelType} is a ${model.info.task} model`);
    return undefined;
  }
  return batch.decoderInputIds ?? batch.inputIds.map(() => [decoderStartTokenId(model)]);
}

function summary(model: PretrainedModel, batch: InputBatch, shape: number[], data: unknown, device: string, tokenizer: PretrainedTokenizer | undefined): string {
  const config = model.config;
  const arch = Array.isArray(config.architectures) ? String(config.architectures[0]) : model.info.modelType;
  const lines = [`${arch} (${model.info.modelType}, ${model.info.task}) on ${device}`, `logits shape [${shape.join(', ')}]`];
  const rows = data as number[][] | number[][][];
  rows.forEach((row, b) => {
    if (model.info.task === 'sequence-classification') {
      const scores = row as number[];
      const labels = (config.id2label ?? {}) as Record<string, string>;
      const best = topK(scores, 5).map((i) => `${labels[String(i)] ?? i} ${scores[i].toFixed(4)}`);
      lines.push(`row ${b}: ${best.join(', ')}`);
      return;
    }
    const mask = batch.attentionMask[b];
    const last = mask.lastIndexOf(1);
    // an encoder-decoder's logits are the decoder's: its last position predicts the next token
    const position = model.info.task === 'seq2seq-lm' ? (row as number[][]).length - 1 : last >= 0 ? last : mask.length - 1;
    const scores = (row as number[][])[position];
    const best = topK(scores, 5).map((id) => {
      const text = tokenizer ? ` ${JSON.stringify(tokenizer.decode([id]))}` : '';
      return `${id}${text} ${scores[id].toFixed(4)}`;
    });
    lines.push(`row ${b}, position ${position}: top-5 next tokens: ${best.join(', ')}`);
  });
  return `${lines.join('\n')}\n`;
}
