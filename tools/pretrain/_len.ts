import { readFileSync } from 'node:fs';
import { PretrainedTokenizer } from '../../packages/models/src/index.js';
const d = 'packages/cli/assets/base-model/';
const tok = PretrainedTokenizer.fromJSON(readFileSync(d + 'tokenizer.json', 'utf8'), readFileSync(d + 'tokenizer_config.json', 'utf8'));
for (const s of [' spam', ' ham', 'Label:', 'Label: spam']) console.log(JSON.stringify(s), tok.encode(s), tok.encode(s).map((i) => tok.idToToken(i)));
const lens = readFileSync('packages/cli/assets/demo-task/train.jsonl', 'utf8').trim().split('\n').map((l) => tok.encode(JSON.parse(l).prompt).length).sort((a, b) => a - b);
console.log('prompt tokens min/median/p95/max', lens[0], lens[lens.length >> 1], lens[Math.floor(lens.length * 0.95)], lens.at(-1));
