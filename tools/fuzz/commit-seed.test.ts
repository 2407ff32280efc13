import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FUZZ_SEED, commitFuzzSeed } from './commit-seed.js';

// each case builds its own folder, so the result does not depend on how the project was checked out
// (and git variables of the environment that runs the tests are left out)
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: cleanEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

describe('the fuzz seed of a commit', () => {
  it('is the first 32 bits of HEAD in a git checkout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-git-'));
    git(dir, 'init', '-q');
    git(dir, '-c', 'user.name=fuzz', '-c', 'user.email=fuzz@example.invalid', 'commit', '-q', '--allow-empty', '-m', 'seed');
    const head = git(dir, 'rev-parse', 'HEAD');
    expect(commitFuzzSeed({ GIT_DIR: join(dir, '.git') }, dir)).toEqual({ seed: Number.parseInt(head.slice(0, 8), 16), source: `commit ${head.slice(0, 12)}` });
  });

  it('is PEFT_FUZZ_SEED when set, to reproduce a run', () => {
    expect(commitFuzzSeed({ PEFT_FUZZ_SEED: '977' })).toEqual({ seed: 977, source: 'PEFT_FUZZ_SEED' });
    expect(() => commitFuzzSeed({ PEFT_FUZZ_SEED: 'abc' })).toThrow(/PEFT_FUZZ_SEED must be an integer/);
  });

  it('falls back to the default seed outside a git checkout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-no-git-'));
    // git stops looking for a repository at the folder's parent, wherever the temporary folder lives
    expect(commitFuzzSeed({ GIT_CEILING_DIRECTORIES: dirname(dir) }, dir)).toEqual({ seed: DEFAULT_FUZZ_SEED, source: 'default (not a git checkout)' });
  });
});
