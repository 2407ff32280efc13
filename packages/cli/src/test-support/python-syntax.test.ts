import { describe, expect, it } from 'vitest';
import { pythonSyntaxProblems } from './python-syntax.js';

describe('pythonSyntaxProblems', () => {
  it('accepts blocks, strings with brackets and quotes inside, comments and continuation lines', () => {
    const src = [
      'def f(x):',
      '    """A docstring with ( and \'quotes\'."""',
      '    y = {"a": [1, 2], \'b\': ")"}  # a comment with (',
      '    if x:',
      '        return re.split(r"\\n[ \\t]*\\n", x)',
      '    z = g(',
      '  1,',
      '    )',
      '    return y',
      '',
      '',
      'f(1)',
      '',
    ].join('\n');
    expect(pythonSyntaxProblems(src)).toEqual([]);
  });

  it('finds unbalanced brackets, unended strings and wrong indentation', () => {
    expect(pythonSyntaxProblems('x = (1, 2]\n')).toEqual(['line 1: "]" closes "(" of line 1']);
    expect(pythonSyntaxProblems('x = [1, 2\n')).toEqual(['line 1: "[" is never closed']);
    expect(pythonSyntaxProblems('x = "abc\ny = 1\n')).toEqual(['line 1: a string that does not end']);
    expect(pythonSyntaxProblems('def f():\nreturn 1\n')).toEqual(['line 2: expected an indented block of 4 spaces after ":", got 0']);
    expect(pythonSyntaxProblems('x = 1\n    y = 2\n')).toEqual(['line 2: unexpected indent (4 spaces, the block is at 0)']);
    expect(pythonSyntaxProblems('if x:\n        y = 1\n')).toEqual(['line 2: expected an indented block of 4 spaces after ":", got 8']);
    expect(pythonSyntaxProblems('if x:\n    if y:\n        z = 1\n  w = 2\n')).toEqual(['line 4: dedent to 2 spaces matches no outer block']);
  });
});
