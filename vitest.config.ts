import { defineConfig } from 'vitest/config';

// `npm test`: no wall-clock budgets (test/helpers/time-budget.ts checks them only under `npm run
// test:slow`). Two test files at a time: most of the suite waits (on child processes, timeouts, paced
// upstreams) rather than computes. `npm run test:slow` and `npm run test:agents` have configs of their own.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
