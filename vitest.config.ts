import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites spawn their own redis-server and child processes; two cores are all we have.
    maxWorkers: 2,
    pool: 'forks',
  },
});
