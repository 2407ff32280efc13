/**
 * Trains the base model's byte-level BPE tokenizer on the training split of the corpus and writes
 * `tokenizer.json` and `tokenizer_config.json`; then checks that `PretrainedTokenizer` (the loader of
 * @peft/models) reads it back and round-trips the held-out documents exactly.
 *
 *   node --conditions=@peft/source --import tsx tools/pretrain/train-tokenizer.ts \
 *     [--corpus tools/pretrain/data/corpus.jsonl] [--vocab 2048] [--out packages/cli/assets/base-model]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PretrainedTokenizer } from '../../packages/models/src/index.js';
import { countPieces, tokenizerJson, trainBpe } from './bpe-trainer.js';
import { readCorpus } from './corpus-file.js';

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string', default: 'tools/pretrain/data/corpus.jsonl' },
    vocab: { type: 'string', default: '2048' },
    out: { type: 'string', default: 'packages/cli/assets/base-model' },
    'max-length': { type: 'string', default: '256' },
  },
});
const EOS = '<|endoftext|>';
const vocabSize = Number(args.vocab);

const docs = readCorpus(args.corpus);
const started = performance.now();
const counts = countPieces(docs.filter((d) => d.split === 'train').map((d) => d.text));
console.log(`${counts.size} distinct pieces counted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const model = trainBpe(counts, vocabSize - 256 - 1, (n) => console.log(`  ${n} merges`));
console.log(`${model.merges.length} merges learned in ${((performance.now() - started) / 1000).toFixed(1)} s; vocabulary ${model.tokens.length + 1}`);

const json = tokenizerJson(model, [EOS]);
const special = { content: EOS, lstrip: false, normalized: true, rstrip: false, single_word: false, special: true };
const config = {
  add_bos_token: false,
  add_prefix_space: false,
  added_tokens_decoder: { [String(model.tokens.length)]: special },
  bos_token: EOS,
  clean_up_tokenization_spaces: false,
  eos_token: EOS,
  extra_special_tokens: {},
  model_max_length: Number(args['max-length']),
  pad_token: EOS,
  tokenizer_class: 'GPT2Tokenizer',
  unk_token: EOS,
};
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, 'tokenizer.json'), json);
writeFileSync(join(args.out, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);

// the loader of @peft/models must read it back and round-trip unseen text exactly
const tokenizer = PretrainedTokenizer.fromJSON(json, JSON.stringify(config));
let chars = 0;
let tokens = 0;
for (const d of docs.filter((x) => x.split === 'heldout')) {
  const ids = tokenizer.encode(d.text);
  if (tokenizer.decode(ids) !== d.text) throw new Error(`round trip failed for ${d.source}/${d.id}`);
  chars += d.text.length;
  tokens += ids.length;
}
const eosId = tokenizer.tokenToId(EOS);
if (eosId !== vocabSize - 1) throw new Error(`expected ${EOS} at id ${vocabSize - 1}, got ${eosId}`);
console.log(`held-out documents round-trip exactly: ${chars} characters -> ${tokens} tokens (${(chars / tokens).toFixed(2)} characters per token)`);
console.log(`wrote ${join(args.out, 'tokenizer.json')} and tokenizer_config.json`);
