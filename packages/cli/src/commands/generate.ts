import type { PretrainedModel } from '@peft/core';
import { type PretrainedTokenizer, TextStreamer, decoderStartTokenId, generateStream, readGenerationConfig } from '@peft/models';
import { adapterFlags, applyAdapters } from '../adapters.js';
import { numberFlag, parseCommandArgs } from '../args.js';
import { openBackend, parseBackendChoice } from '../backend-choice.js';
import { checkpointFolder, loadModelFrom, optionalTokenizer } from '../checkpoint.js';
import type { Command } from '../command.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../usage-error.js';

const USAGE = `Usage: peft generate --model DIR|ID (--prompt TEXT | --ids 1,2,3) [options]

Continues a prompt with a causal language model, printing the text as it is generated. Defaults
come from the checkpoint's generation_config.json (as in transformers); flags override them.

  --model DIR|ID         checkpoint folder (config.json, model.safetensors, tokenizer.json), or a
                         Hub id (org/name) fetched into the shared cache
  --revision REV         for a Hub id: a branch, tag or commit (default main)
  --prompt TEXT          the prompt, tokenized with the checkpoint's tokenizer.json
  --ids 1,2,3            the prompt as token ids (works without a tokenizer; then ids are printed)
  --adapter DIR|ID       a saved PEFT adapter (a folder, or a Hub id; org/name/sub for a subfolder) to apply; repeat it to apply several together (the
                         first is named "default", the others after their folder)
  --merge                merge the adapters into the base weights before generating
  --chat                 wrap the prompt as a user message with the checkpoint's chat template
  --max-new-tokens N     new tokens at most (default: generation_config.json's max_new_tokens, else 20)
  --greedy               always pick the most likely token; without it, a sampling flag below samples,
                         and otherwise generation_config.json decides (do_sample), else greedy
  --temperature T        sample, dividing logits by T (> 0)
  --top-k K              sample among the K most likely tokens
  --top-p P              sample among the most likely tokens holding probability P (0 < P <= 1)
  --seed S               seed of the sampler (sampling is reproducible with the same seed)
  --stop TEXT            stop once the generated text contains TEXT (repeatable; needs a tokenizer)
  --stop-id N            stop at token id N, besides the model's end-of-sequence ids (repeatable)
  --json                 print {"sequences": [[prompt + new ids]]} at the end instead of streaming
  --backend B            webgpu (default; falls back to cpu with a note when no adapter exists) or cpu
  -h, --help             this text
`;

/**
 * `peft generate`: streams a continuation of a prompt (text, chat message or ids) to stdout, or prints
 * the final sequences as JSON.
 *
 * @example
 * ```sh
 * peft generate --model ./gpt2 --prompt "Once upon a time" --max-new-tokens 40 --top-p 0.9 --seed 1
 * peft generate --model ./gpt2 --adapter ./my-lora --ids 5,6,7 --greedy --json
 * ```
 */
export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate a continuation of a prompt, streaming the text',
  usage: USAGE,
  async run(argv, { io }) {
    const { values } = parseCommandArgs('generate', argv, {
      model: { type: 'string' },
      revision: { type: 'string' },
      prompt: { type: 'string' },
      ids: { type: 'string' },
      adapter: { type: 'string', multiple: true },
      merge: { type: 'boolean' },
      chat: { type: 'boolean' },
      'max-new-tokens': { type: 'string' },
      greedy: { type: 'boolean' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      seed: { type: 'string' },
      stop: { type: 'string', multiple: true },
      'stop-id': { type: 'string', multiple: true },
      json: { type: 'boolean' },
      backend: { type: 'string' },
    });
    const cmd = 'generate';
    if (values.model === undefined) throw new UsageError('generate: --model DIR is required');
    if ((values.prompt === undefined) === (values.ids === undefined)) throw new UsageError('generate: give exactly one of --prompt TEXT and --ids 1,2,3');
    if (values.chat && values.prompt === undefined) throw new UsageError('generate: --chat needs --prompt TEXT');
    const maxNewTokens = numberFlag(cmd, '--max-new-tokens', values['max-new-tokens'], { integer: true, min: 0 });
    const temperature = numberFlag(cmd, '--temperature', values.temperature, { min: Number.MIN_VALUE });
    const topK = numberFlag(cmd, '--top-k', values['top-k'], { integer: true, min: 1 });
    const topP = numberFlag(cmd, '--top-p', values['top-p'], { min: Number.MIN_VALUE, max: 1 });
    const seed = numberFlag(cmd, '--seed', values.seed, { integer: true, min: 0 });
    const stopTexts = (values.stop as string[] | undefined) ?? [];
    const stopIds = ((values['stop-id'] as string[] | undefined) ?? []).map((s) => numberFlag(cmd, '--stop-id', s, { integer: true, min: 0 }) as number);
    const sampling = [temperature, topK, topP, seed].some((v) => v !== undefined);
    const promptIds = values.ids === undefined ? undefined : parseIds(values.ids as string);
    const choice = parseBackendChoice(cmd, values.backend);
    const adapters = adapterFlags(cmd, values.adapter, values.merge);

    const source = await checkpointFolder(values.model as string, values.revision as string | undefined);
    const tokenizer = await optionalTokenizer(source);
    if (!tokenizer && values.prompt !== undefined) {
      throw new UsageError(`generate: --prompt needs ${source.label}/tokenizer.json, which does not exist; pass the prompt as --ids`);
    }
    if (!tokenizer && stopTexts.length > 0) throw new UsageError(`generate: --stop TEXT needs ${source.label}/tokenizer.json; use --stop-id N`);
    const ids = promptIds ?? encodePrompt(tokenizer as PretrainedTokenizer, values.prompt as string, values.chat === true);
    const defaults = await readGenerationConfig(source);
    const doSample = values.greedy ? false : sampling || (defaults.doSample ?? false);

    const session = await openBackend(choice, io);
    try {
      const base = await loadModelFrom(source, session.backend, io);
      if (base.info.task !== 'causal-lm' && base.info.task !== 'seq2seq-lm') {
        throw new UsageError(`generate: ${source.label} is a ${base.info.task} model (${base.info.modelType}); generation needs a causal language model or an encoder-decoder`);
      }
      // an encoder-decoder reads the prompt and writes a new sequence from its decoder start token
      const seq2seq = base.info.task === 'seq2seq-lm';
      const model = await applyAdapters(base, adapters, { merge: values.merge === true, io });
      checkIds(ids, model);
      const eosTokenIds = [...(defaults.eosTokenIds ?? model.info.eosTokenIds), ...stopIds];
      const out = values.json ? undefined : io;
      const streamer = out && tokenizer ? new TextStreamer(tokenizer, { skipSpecialTokens: true }) : undefined;
      const watcher = tokenizer && stopTexts.length ? new TextStreamer(tokenizer, { skipSpecialTokens: true }) : undefined;
      let seen = '';
      if (out && !tokenizer && !seq2seq) out.stdout.write(ids.join(' '));
      const generated: number[] = [];
      const stream = generateStream(model, [ids], {
        ...defaults,
        maxNewTokens: maxNewTokens ?? defaults.maxNewTokens ?? 20,
        doSample,
        temperature: temperature ?? defaults.temperature,
        topK: topK ?? defaults.topK,
        topP: topP ?? defaults.topP,
        seed,
        eosTokenIds,
      });
      for await (const [token] of stream) {
        generated.push(token);
        if (out) out.stdout.write(streamer ? streamer.put(token) : seq2seq && generated.length === 1 ? `${token}` : ` ${token}`);
        if (watcher) {
          seen += watcher.put(token);
          if (stopTexts.some((s) => seen.includes(s))) break;
        }
      }
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ sequences: [[...(seq2seq ? [decoderStartTokenId(model)] : ids), ...generated]] })}\n`);
      } else {
        writeEnd(io, streamer);
      }
      return 0;
    } finally {
      session.close();
    }
  },
};

function writeEnd(io: CliIO, streamer: TextStreamer | undefined): void {
  io.stdout.write(`${streamer ? streamer.end() : ''}\n`);
}

function parseIds(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter((p) => p !== '');
  const ids = parts.map(Number);
  const bad = parts.findIndex((p, i) => !Number.isInteger(ids[i]) || ids[i] < 0);
  if (parts.length === 0 || bad >= 0) {
    throw new UsageError(`generate: --ids expects comma-separated non-negative integers like 1,2,3, got "${parts.length ? parts[bad] : text}"`);
  }
  return ids;
}

function encodePrompt(tokenizer: PretrainedTokenizer, prompt: string, chat: boolean): number[] {
  if (!chat) return tokenizer.encode(prompt);
  const text = tokenizer.applyChatTemplate([{ role: 'user', content: prompt }], { addGenerationPrompt: true });
  return tokenizer.encode(text, { addSpecialTokens: false });
}

function checkIds(ids: readonly number[], model: PretrainedModel): void {
  if (ids.length === 0) throw new UsageError('generate: the prompt encodes to no tokens; give a longer prompt');
  const bad = ids.find((id) => id >= model.info.vocabSize);
  if (bad !== undefined) throw new UsageError(`generate: prompt id ${bad} is outside the model's vocabulary [0, ${model.info.vocabSize})`);
}
