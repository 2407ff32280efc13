/**
 * The one tsup configuration every `@peft/*` package builds with: ESM, `.d.ts`, source maps, one
 * entry point per subpath of the package's `exports` map. A package's `tsup.config.ts` is one line:
 *
 * ```ts
 * import { packageConfig } from '../../tools/tsup-config';
 * export default packageConfig(import.meta.url);
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from 'tsup';

/** The subset of package.json this helper reads. */
interface PackageJson {
  name: string;
  exports?: Record<string, string | { import?: string; default?: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Packages that never go into a bundle, whether or not a package lists them. */
const ALWAYS_EXTERNAL: (string | RegExp)[] = ['webgpu', /^@peft\//, /^node:/];

/**
 * Maps each JavaScript subpath of `exports` to its source file: `./dist/node.js` comes from
 * `src/node.ts` and is built under the entry name `node`, so the output lands where `exports` points.
 */
export function entriesFromExports(pkg: PackageJson, pkgDir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    const file = typeof target === 'string' ? target : (target.import ?? target.default);
    if (!file?.endsWith('.js')) continue; // ./package.json and other non-code subpaths
    const match = /^\.\/dist\/(.+)\.js$/.exec(file);
    if (!match) {
      throw new Error(`${pkg.name}: exports["${subpath}"] points to ${file}; expected ./dist/<name>.js`);
    }
    const name = match[1];
    const source = `src/${name}.ts`;
    if (!existsSync(join(pkgDir, source))) {
      throw new Error(`${pkg.name}: exports["${subpath}"] needs ${source}, which does not exist`);
    }
    entries[name] = source;
  }
  if (Object.keys(entries).length === 0) {
    throw new Error(`${pkg.name}: package.json has no "exports" entries pointing into ./dist`);
  }
  return entries;
}

/**
 * The tsup options for the package whose `tsup.config.ts` calls this with its `import.meta.url`.
 * `overrides` are merged last, for the rare package that needs something else.
 */
export function packageConfig(configUrl: string, overrides: Options = {}): Options {
  const pkgDir = dirname(fileURLToPath(configUrl));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as PackageJson;
  return {
    entry: entriesFromExports(pkg, pkgDir),
    outDir: 'dist',
    format: ['esm'],
    target: 'es2022',
    platform: 'neutral',
    dts: true,
    sourcemap: true,
    clean: true,
    // shared modules go into chunks, so every subpath (`.` and `./node`) sees the same module
    // instances, e.g. one backend registry
    splitting: true,
    external: [
      ...ALWAYS_EXTERNAL,
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
    ],
    ...overrides,
  };
}
