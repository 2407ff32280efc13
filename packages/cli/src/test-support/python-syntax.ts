/**
 * A tokenizer-level check of Python source, for tests that cannot run Python: strings (single,
 * double, triple-quoted, with prefixes such as f/r/b) and comments are skipped; brackets must balance
 * and never close what they did not open; a string must end (a one-line string on its line);
 * indentation uses spaces in steps of 4, grows by exactly one step after a line ending in `:`
 * (outside brackets) and only there, and shrinks only to a level opened before. Returns the problems
 * found, each with its line number; an empty list when none.
 */
export function pythonSyntaxProblems(source: string): string[] {
  const problems: string[] = [];
  const stack: { char: string; line: number }[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const levels = [0];
  let expectIndent = false;
  let line = 1;
  let i = 0;
  let lineStart = true;
  let lastSignificant = '';
  while (i < source.length) {
    if (lineStart && stack.length === 0) {
      lineStart = false;
      let j = i;
      while (source[j] === ' ') j++;
      if (source[j] === '\t') problems.push(`line ${line}: a tab in the indentation`);
      const blank = source[j] === '\n' || source[j] === '#' || j >= source.length;
      if (!blank) {
        const indent = j - i;
        const top = levels[levels.length - 1];
        if (expectIndent) {
          if (indent !== top + 4) problems.push(`line ${line}: expected an indented block of ${top + 4} spaces after ":", got ${indent}`);
          else levels.push(indent);
          expectIndent = false;
        } else if (indent > top) {
          problems.push(`line ${line}: unexpected indent (${indent} spaces, the block is at ${top})`);
        } else if (indent < top) {
          while (levels.length > 1 && levels[levels.length - 1] > indent) levels.pop();
          if (levels[levels.length - 1] !== indent) problems.push(`line ${line}: dedent to ${indent} spaces matches no outer block`);
        }
      }
      i = j;
      continue;
    }
    lineStart = false;
    const c = source[i];
    if (c === '\n') {
      if (stack.length === 0) {
        if (lastSignificant === ':') expectIndent = true;
        lineStart = true;
      }
      lastSignificant = lastSignificant === ':' && stack.length === 0 ? '' : lastSignificant;
      line++;
      i++;
      continue;
    }
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = source.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      const raw = /[rR]\w*$/.test(prefixBefore(source, i));
      const startLine = line;
      i += quote.length;
      let closed = false;
      while (i < source.length) {
        if (source[i] === '\\' && !raw) {
          if (source[i + 1] === '\n') line++;
          i += 2;
          continue;
        }
        if (source[i] === '\\' && raw) {
          i += 2;
          continue;
        }
        if (source.startsWith(quote, i)) {
          i += quote.length;
          closed = true;
          break;
        }
        if (source[i] === '\n') {
          if (!triple) break;
          line++;
        }
        i++;
      }
      if (!closed) problems.push(`line ${startLine}: a string that does not end`);
      lastSignificant = c;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') stack.push({ char: c, line });
    else if (c === ')' || c === ']' || c === '}') {
      const open = stack.pop();
      if (!open || open.char !== pairs[c]) problems.push(`line ${line}: "${c}" closes ${open ? `"${open.char}" of line ${open.line}` : 'nothing'}`);
    }
    if (c !== ' ') lastSignificant = c;
    i++;
  }
  for (const open of stack) problems.push(`line ${open.line}: "${open.char}" is never closed`);
  if (expectIndent) problems.push(`line ${line}: the file ends where an indented block was expected`);
  return problems;
}

/** The identifier characters right before a quote (a string prefix such as f, r, rb). */
function prefixBefore(source: string, at: number): string {
  let j = at;
  while (j > 0 && /[A-Za-z]/.test(source[j - 1])) j--;
  return source.slice(j, at);
}
