// Prints @peft's encoding of a data file as JSON ([{input_ids, labels}, ...]), for
// tools/export-run-roundtrip.sh to compare with the exported train.py's encode().
// Usage: node --conditions=@peft/source --import tsx tools/export-run-encodings.ts MODEL_DIR FILE FORMAT COMPLETION_ONLY(0|1) [LABELS,..]
import { readFile } from 'node:fs/promises';
import { loadTokenizer } from '../packages/models/src/index.js';
import { type DatasetFormat, formatRecords, readRecords, tokenizeDataset } from '../packages/train/src/index.js';

const [modelDir, file, format, completionOnly, labels] = process.argv.slice(2);
const tokenizer = await loadTokenizer(modelDir);
const parsed = readRecords(await readFile(file, 'utf8'), file);
const ds = tokenizeDataset(formatRecords(parsed, format as DatasetFormat), { tokenizer, completionOnlyLoss: completionOnly === '1', labelNames: labels ? labels.split(',') : undefined });
process.stdout.write(JSON.stringify(ds.examples.map((e) => ({ input_ids: e.inputIds, labels: e.labels }))));
