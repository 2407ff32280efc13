import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

// The page imports the workspace packages from their TypeScript sources (the `@peft/source` export
// condition), so it needs no package build first. The embedded model and task are served from
// packages/cli/assets (`/base-model/…`, `/demo-task/…`) and copied into the build; nothing is duplicated in git.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  // no single-page-app fallback: a missing model file must be a 404, not index.html
  appType: 'mpa',
  publicDir: fileURLToPath(new URL('../../packages/cli/assets', import.meta.url)),
  resolve: { conditions: ['@peft/source', ...defaultClientConditions] },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
