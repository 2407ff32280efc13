import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@peft/source'] },
  ssr: { resolve: { conditions: ['@peft/source'] } },
  test: {
    name: 'tools',
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'install-test/**', 'pretrain/**'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
