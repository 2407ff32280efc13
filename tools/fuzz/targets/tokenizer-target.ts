import { memorySource } from '../../../packages/core/src/index.js';
import { loadTokenizer } from '../../../packages/models/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { mutateJson, mutateText } from '../fuzz-random.js';
import { TOKENIZER_FIXTURES, seedText, sizeOf } from './seed-files.js';

const SAMPLES = ['Hello world, fuzz! 123', ' ü 🙂 \u0000 \ud800 tabs\tand\nnewlines', '<|im_start|>user', '', 'a'.repeat(300)];

/**
 * Tokenizer folders (byte-level BPE with a chat template, metaspace, WordPiece) with `tokenizer.json`,
 * `tokenizer_config.json` or `chat_template.jinja` mutated, through `loadTokenizer`, then encode,
 * decode and (when there is a template) the chat template.
 *
 * @example
 * ```ts
 * await runFuzzTarget(tokenizerTarget, { seed: 1, count: 100 });
 * ```
 */
export const tokenizerTarget: FuzzTarget = {
  name: 'tokenizer',
  description: 'tokenizer.json + tokenizer_config.json + chat_template.jinja → loadTokenizer → encode/decode/chat template',
  async prepare() {
    const seeds = await Promise.all(
      TOKENIZER_FIXTURES.map(async (t) => {
        const dir = `packages/models/test/fixtures/tokenizers/${t}/`;
        const files: Record<string, string> = { 'tokenizer.json': await seedText(dir + 'tokenizer.json'), 'tokenizer_config.json': await seedText(dir + 'tokenizer_config.json') };
        if (t !== 'wordpiece') files['chat_template.jinja'] = await seedText(dir + 'chat_template.jinja');
        return files;
      }),
    );
    return (r) => {
      const files = { ...r.pick(seeds) };
      const names = Object.keys(files);
      const name = r.chance(0.05) ? 'clean' : r.chance(0.6) ? 'tokenizer.json' : r.pick(names);
      if (name !== 'clean') files[name] = name.endsWith('.jinja') ? mutateText(r, files[name]) : mutateJson(r, files[name]);
      const text = r.pick(SAMPLES);
      return {
        kind: name,
        bytes: sizeOf(...Object.values(files)),
        run: async () => {
          const tok = await loadTokenizer(memorySource(files, 'fuzz-tokenizer'));
          const ids = tok.encode(text);
          tok.decode(ids);
          if (files['chat_template.jinja'] !== undefined) tok.applyChatTemplate([{ role: 'user', content: text }], { addGenerationPrompt: true });
        },
      };
    };
  },
};
