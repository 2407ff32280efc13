import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@peft/source'] },
  ssr: { resolve: { conditions: ['@peft/source'] } },
  test: {
    name: 'hub',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
