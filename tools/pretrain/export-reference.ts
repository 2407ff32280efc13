/**
 * Writes what the base model computes here, for check-transformers.py to compare with Python: for a
 * few texts, the token ids of our tokenizer and the logits of our model (on the chosen backend).
 *
 *   node --conditions=@peft/source --import tsx tools/pretrain/export-reference.ts --out ref.json [--cpu]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fromArray, noGrad, tidy } from '../../packages/core/src/index.js';
import { initBackend, releaseNodeGPU } from '../../packages/core/src/node.js';
import { loadPretrained, loadTokenizer } from '../../packages/models/src/index.js';
import { directorySource } from '../../packages/models/src/node.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: 'packages/cli/assets/base-model' },
    task: { type: 'string', default: 'packages/cli/assets/demo-task/eval.jsonl' },
    out: { type: 'string', default: 'tools/pretrain/data/reference.json' },
    cpu: { type: 'boolean', default: false },
  },
});
const backend = await initBackend({ prefer: args.cpu ? 'cpu' : 'webgpu' });
const source = directorySource(args.base);
const model = await loadPretrained(source, { backend });
const tokenizer = await loadTokenizer(source);
const prompts = readFileSync(args.task, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .slice(0, 3)
  .map((l) => (JSON.parse(l) as { prompt: string }).prompt);
const texts = [
  'The State of the Union is strong. We will meet the challenges of our time.',
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse',
  'Unicode and odd bytes: café, naïve — “quotes” ✓ 12345 <|endoftext|> after the special token',
  ...prompts,
];
const rows = [];
for (const text of texts) {
  const ids = tokenizer.encode(text);
  const logits = tidy(() => noGrad(() => model.forward({ inputIds: fromArray(ids, [1, ids.length], { dtype: 'i32', backend }) }).logits));
  const values = Array.from(await logits.data<Float32Array>());
  logits.dispose();
  rows.push({ text, ids, decoded: tokenizer.decode(ids), logits: values });
}
writeFileSync(args.out, JSON.stringify({ backend: backend.name, vocab: tokenizer.vocabSize, rows }));
console.log(`wrote ${args.out}: ${rows.length} texts on ${backend.name}`);
backend.destroy();
releaseNodeGPU();
