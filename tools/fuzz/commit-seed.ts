import { execFileSync } from 'node:child_process';

/** The seed `pnpm fuzz` uses by default, and CI's when the checkout is not a git repository. */
export const DEFAULT_FUZZ_SEED = 20261123;

/**
 * The fuzz seed of the commit being tested, so every submission explores new inputs while any run
 * can be repeated: `PEFT_FUZZ_SEED` when set (to reproduce), else the first 32 bits of
 * `git rev-parse HEAD`, else (not a git checkout) {@link DEFAULT_FUZZ_SEED}. `source` says which.
 *
 * @example
 * ```ts
 * const { seed, source } = commitFuzzSeed(); // { seed: 2882400018, source: 'commit abcdef12' }
 * ```
 */
export function commitFuzzSeed(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): { seed: number; source: string } {
  const given = env.PEFT_FUZZ_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`PEFT_FUZZ_SEED must be an integer in [0, 2^32), got ${JSON.stringify(given)}`);
    return { seed, source: 'PEFT_FUZZ_SEED' };
  }
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (/^[0-9a-f]{8,}$/.test(head)) return { seed: Number.parseInt(head.slice(0, 8), 16), source: `commit ${head.slice(0, 12)}` };
  } catch {
    // not a git checkout (a source tarball), no git, or a checkout git refuses to read: the default seed
  }
  return { seed: DEFAULT_FUZZ_SEED, source: 'default (not a git checkout)' };
}
