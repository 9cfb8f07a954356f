import { defineConfig } from 'vitest/config';

// `npm run test:agents`: the real agent CLIs against a real daemon (README, "Real agent CLIs"). Kept out of
// `npm test` (vitest.config.ts only includes *.test.ts): it installs the CLIs on first use and is slower.
export default defineConfig({
  test: {
    include: ['test/agents/**/*.agents.ts'],
    pool: 'forks',
    // A handful of cases: name each in full (agent, route, case).
    reporters: ['verbose'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
