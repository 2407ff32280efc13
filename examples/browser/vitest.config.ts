import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@peft/source'] },
  ssr: { resolve: { conditions: ['@peft/source'] } },
  test: {
    name: 'browser',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
});
