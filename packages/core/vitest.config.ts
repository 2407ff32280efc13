import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'core',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // one Dawn device per worker: keep the pool small on 2-core machines
    pool: 'forks',
  },
});
