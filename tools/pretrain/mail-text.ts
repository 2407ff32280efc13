/**
 * Turns a raw RFC 822 message of the SpamAssassin corpus into plain text: the decoded subject and the
 * readable body (first text part of a multipart message, quoted-printable and base64 decoded, HTML
 * tags and entities removed, reduced to printable ASCII).
 */

/** A message reduced to its subject and its readable body. */
export interface MailText {
  readonly subject: string;
  readonly body: string;
}

interface Part {
  readonly headers: Map<string, string>;
  readonly body: string;
}

/** Splits a message (or a MIME part) into unfolded, lower-cased headers and the body. */
function splitPart(raw: string): Part {
  const text = raw.replace(/\r\n/g, '\n');
  const blank = text.indexOf('\n\n');
  const head = blank < 0 ? text : text.slice(0, blank);
  const body = blank < 0 ? '' : text.slice(blank + 2);
  const headers = new Map<string, string>();
  let last = '';
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function decodeTransfer(part: Part): string {
  const enc = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (enc.includes('quoted-printable')) return decodeQuotedPrintable(part.body);
  if (enc.includes('base64')) return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('latin1');
  return part.body;
}

/** Decodes `=?charset?Q?…?=` and `=?charset?B?…?=` words of a header. */
function decodeHeaderWords(s: string): string {
  return s.replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_, kind: string, data: string) =>
    kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('latin1') : decodeQuotedPrintable(data.replace(/_/g, ' ')),
  );
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '(c)', reg: '(R)' };

/** Strips tags, scripts, styles and comments; block tags become line breaks; entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(style|script|head|title)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|p|div|tr|li|h[1-6]|table)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n) % 65536))
    .replace(/&([a-z]+);/gi, (m, name: string) => ENTITIES[name.toLowerCase()] ?? ' ');
}

/** The first readable text of a part: text/plain preferred, else HTML converted, recursing into multiparts. */
function readableText(part: Part, depth = 0): string | undefined {
  const type = (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
  if (type.startsWith('multipart/') && depth < 4) {
    const m = /boundary\s*=\s*"?([^";]+)"?/i.exec(part.headers.get('content-type') ?? '');
    if (!m) return undefined;
    const pieces = part.body.split(`--${m[1]}`).slice(1).map((p) => splitPart(p.replace(/^\n/, '')));
    const plain = pieces.find((p) => (p.headers.get('content-type') ?? 'text/plain').toLowerCase().startsWith('text/plain'));
    for (const p of plain ? [plain, ...pieces] : pieces) {
      const t = readableText(p, depth + 1);
      if (t && t.trim()) return t;
    }
    return undefined;
  }
  if (type.startsWith('text/html')) return htmlToText(decodeTransfer(part));
  if (type.startsWith('text/')) {
    const t = decodeTransfer(part);
    return /<html|<body|<table|<font/i.test(t) ? htmlToText(t) : t;
  }
  return undefined;
}

/** Printable ASCII with single spaces, at most one blank line in a row, no quoted (`>`) reply lines. */
export function tidyText(s: string): string {
  return s
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[^\x20-\x7e\n]/g, ' ')
    .split('\n')
    .filter((line) => !/^\s*>/.test(line))
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Decodes one raw message into its subject and readable body.
 *
 * @example
 * ```ts
 * const { subject, body } = mailText('Subject: hi\n\nHello there');
 * ```
 */
export function mailText(raw: string): MailText {
  // the corpus keeps the mbox "From " separator line on top
  const part = splitPart(raw.replace(/^From [^\n]*\n/, ''));
  const subject = tidyText(decodeHeaderWords(part.headers.get('subject') ?? '')).replace(/\n/g, ' ');
  return { subject, body: tidyText(readableText(part) ?? '') };
}

/**
 * The first `limit` characters of a text, cut at a word boundary, with all whitespace runs made one space.
 *
 * @example
 * ```ts
 * excerpt('a  b\nc d', 5); // 'a b c'
 * ```
 */
export function excerpt(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= limit) return flat;
  const cut = flat.slice(0, limit + 1);
  const space = cut.lastIndexOf(' ');
  return (space > limit / 2 ? cut.slice(0, space) : flat.slice(0, limit)).trim();
}
