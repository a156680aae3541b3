import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default on a 2-core machine is one file at a time; most of our files spend
    // their time waiting on child processes, Redis and sockets, so two at a time pay.
    maxWorkers: 2,
  },
});
