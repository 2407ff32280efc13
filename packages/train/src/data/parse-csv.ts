import { FileFormatError } from '@peft/core';
import type { ParsedRecords, SourceRecord } from './source-record.js';

interface CsvRow {
  line: number;
  cells: string[];
}

/** Splits CSV text into rows of cells (RFC 4180), keeping each row's first line. */
function csvRows(text: string, label: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let i = 0;
  let rowHasContent = false;
  const endRow = () => {
    cells.push(cell);
    if (rowHasContent || cells.length > 1 || cell !== '') rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
    rowHasContent = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      if (cell !== '') {
        throw new FileFormatError(`${label} line ${line}: a quote inside an unquoted field (column ${cells.length + 1}); quote the whole field and double the quotes inside it`);
      }
      const openLine = line;
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i];
        if (d === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (d === '\n') line++;
        cell += d;
        i++;
      }
      if (!closed) throw new FileFormatError(`${label} line ${openLine}: a quoted field is never closed (column ${cells.length + 1})`);
      rowHasContent = true;
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n')) {
        throw new FileFormatError(`${label} line ${line}: expected a comma or the end of the line after a closing quote (column ${cells.length + 1}), got ${JSON.stringify(next)}`);
      }
      continue;
    }
    if (c === ',') {
      cells.push(cell);
      cell = '';
      rowHasContent = true;
      i++;
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      endRow();
      i += c === '\r' ? 2 : 1;
      line++;
      rowLine = line;
    } else {
      cell += c;
      i++;
    }
  }
  if (cell !== '' || cells.length > 0 || rowHasContent) endRow();
  return rows;
}

/**
 * Parses CSV text (RFC 4180: comma-separated, fields in double quotes may hold commas, line breaks
 * and doubled quotes `""`; `\n` or `\r\n` line endings). The first row is the header and names the
 * fields; every value is a string. Blank lines are skipped. A row with a different number of cells
 * than the header, an unclosed quote, an empty or repeated header name is a `FileFormatError`
 * naming the file and line.
 *
 * @example
 * ```ts
 * const { records } = parseCsv('text,label\n"great, really",positive\n', 'train.csv');
 * records[0]; // { line: 2, fields: { text: 'great, really', label: 'positive' } }
 * ```
 */
export function parseCsv(text: string, label: string): ParsedRecords {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows = csvRows(body, label);
  if (rows.length === 0) return { label, kind: 'csv', records: [] };
  const header = rows[0];
  const names = header.cells.map((c) => c.trim());
  const seen = new Set<string>();
  names.forEach((name, k) => {
    if (name === '') throw new FileFormatError(`${label} line ${header.line}: header column ${k + 1} has no name`);
    if (seen.has(name)) throw new FileFormatError(`${label} line ${header.line}: header names column "${name}" twice`);
    seen.add(name);
  });
  const records: SourceRecord[] = [];
  for (const row of rows.slice(1)) {
    if (row.cells.length !== names.length) {
      throw new FileFormatError(`${label} line ${row.line}: expected ${names.length} fields (${names.join(', ')}), got ${row.cells.length}`);
    }
    const fields: Record<string, unknown> = {};
    names.forEach((name, k) => (fields[name] = row.cells[k]));
    records.push({ line: row.line, fields });
  }
  return { label, kind: 'csv', records };
}
