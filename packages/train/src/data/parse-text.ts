import { ArgumentError } from '@peft/core';
import type { ParsedRecords, SourceRecord } from './source-record.js';

/**
 * How plain text is cut into documents: `paragraph` (the default) splits at blank lines, `line`
 * makes every non-blank line a document, `document` keeps the whole text as one.
 *
 * @example
 * ```ts
 * const by: TextSampleBy = 'paragraph';
 * ```
 */
export type TextSampleBy = 'paragraph' | 'line' | 'document';

/**
 * Parses plain text into `{ text }` records. By default documents are separated by one or more
 * blank lines (lines of only whitespace) and each keeps its inner line breaks; the other ways to cut
 * are in {@link TextSampleBy}. Documents that are only whitespace are dropped; the text of each is
 * kept as written (no trimming inside), apart from `\r\n` read as `\n`.
 *
 * @example
 * ```ts
 * const { records } = parseText('First story.\nStill first.\n\nSecond story.\n', 'corpus.txt');
 * records.map((r) => r.fields.text); // ['First story.\nStill first.', 'Second story.']
 * ```
 */
export function parseText(text: string, label: string, sampleBy: TextSampleBy = 'paragraph'): ParsedRecords {
  const body = (text.startsWith('\uFEFF') ? text.slice(1) : text).replace(/\r\n/g, '\n');
  const lines = body.split('\n');
  const records: SourceRecord[] = [];
  switch (sampleBy) {
    case 'document':
      if (body.trim() !== '') records.push({ line: 1, fields: { text: body.replace(/\n+$/, '') } });
      break;
    case 'line':
      lines.forEach((l, i) => {
        if (l.trim() !== '') records.push({ line: i + 1, fields: { text: l } });
      });
      break;
    case 'paragraph': {
      let start = -1;
      for (let i = 0; i <= lines.length; i++) {
        const blank = i === lines.length || lines[i].trim() === '';
        if (!blank && start < 0) start = i;
        if (blank && start >= 0) {
          records.push({ line: start + 1, fields: { text: lines.slice(start, i).join('\n') } });
          start = -1;
        }
      }
      break;
    }
    default:
      throw new ArgumentError(`parseText: sampleBy must be "paragraph", "line" or "document", got ${JSON.stringify(sampleBy)}`);
  }
  return { label, kind: 'text', records };
}
