import { memorySource } from '../../../packages/core/src/index.js';
import { loadTokenizer } from '../../../packages/models/src/index.js';
import { formatRecords, readRecords, tokenizeDataset } from '../../../packages/train/src/index.js';
import type { FuzzTarget } from '../fuzz-runner.js';
import { mutateText } from '../fuzz-random.js';
import { seedText, sizeOf } from './seed-files.js';

const SEEDS: { label: string; text: string }[] = [
  { label: 'text.jsonl', text: '{"text": "The first document."}\n{"text": "A second one, longer than the first."}\n' },
  { label: 'pc.jsonl', text: '{"prompt": "Translate: cat", "completion": " chat"}\n{"prompt": "Translate: dog", "completion": " chien"}\n' },
  { label: 'chat.jsonl', text: '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}\n' },
  { label: 'ids.jsonl', text: '{"input_ids": [1, 2, 3, 4], "labels": [-100, 2, 3, 4]}\n{"input_ids": [5, 6]}\n' },
  { label: 'cls.csv', text: 'text,label\n"Win a prize, now",spam\nSee you at 5,ham\n"quoted ""inner"" text",ham\n' },
  { label: 'docs.txt', text: 'First paragraph of plain text.\n\nSecond paragraph,\nwith two lines.\n' },
];

/**
 * Dataset files (JSON Lines in the text, prompt/completion, chat and pre-tokenized formats, CSV
 * classification, plain text) mutated, through `readRecords`, `formatRecords` and `tokenizeDataset`
 * with the byte-level BPE fixture tokenizer.
 *
 * @example
 * ```ts
 * await runFuzzTarget(datasetTarget, { seed: 1, count: 100 });
 * ```
 */
export const datasetTarget: FuzzTarget = {
  name: 'dataset',
  description: 'train.jsonl / .csv / .txt → readRecords → formatRecords → tokenizeDataset',
  async prepare() {
    const dir = 'packages/models/test/fixtures/tokenizers/byte-bpe/';
    const tokenizer = await loadTokenizer(
      memorySource({ 'tokenizer.json': await seedText(dir + 'tokenizer.json'), 'tokenizer_config.json': await seedText(dir + 'tokenizer_config.json'), 'chat_template.jinja': await seedText(dir + 'chat_template.jinja') }),
    );
    return (r) => {
      const seed = r.pick(SEEDS);
      const clean = r.chance(0.03);
      let text = clean ? seed.text : mutateText(r, seed.text);
      if (!clean && r.chance(0.3)) text = mutateText(r, text);
      return {
        kind: clean ? 'clean' : seed.label.split('.')[1],
        bytes: sizeOf(text),
        run: () => {
          const formatted = formatRecords(readRecords(text, seed.label));
          tokenizeDataset(formatted, { tokenizer, maxLength: 32, completionOnlyLoss: r.chance(0.5), numLabels: 2 });
          return Promise.resolve();
        },
      };
    };
  },
};
