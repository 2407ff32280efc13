import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FUZZ_SEED, commitFuzzSeed } from './commit-seed.js';

describe('the fuzz seed of a commit', () => {
  it('is the first 32 bits of HEAD in a git checkout', () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(commitFuzzSeed({})).toEqual({ seed: Number.parseInt(head.slice(0, 8), 16), source: `commit ${head.slice(0, 12)}` });
  });

  it('is PEFT_FUZZ_SEED when set, to reproduce a run', () => {
    expect(commitFuzzSeed({ PEFT_FUZZ_SEED: '977' })).toEqual({ seed: 977, source: 'PEFT_FUZZ_SEED' });
    expect(() => commitFuzzSeed({ PEFT_FUZZ_SEED: 'abc' })).toThrow(/PEFT_FUZZ_SEED must be an integer/);
  });

  it('falls back to the default seed outside a git checkout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peft-no-git-'));
    expect(commitFuzzSeed({}, dir).seed).toBe(DEFAULT_FUZZ_SEED);
  });
});
