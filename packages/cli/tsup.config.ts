import { readFileSync } from 'node:fs';
import { packageConfig, entriesFromExports } from '../../tools/tsup-config';

// Besides the library entry of `exports`, the `peft` executable (package.json "bin") is built from
// src/bin.ts; its `#!/usr/bin/env node` line is kept by tsup.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const dir = new URL('.', import.meta.url).pathname;

export default packageConfig(import.meta.url, {
  entry: { ...entriesFromExports(pkg, dir), bin: 'src/bin.ts' },
  platform: 'node',
});
