import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** The test files that check wall-clock budgets (they import test/helpers/time-budget.ts). */
function budgeted(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : budgeted(path);
    return path.endsWith('.test.ts') && readFileSync(path, 'utf8').includes('/time-budget.js') ? [path] : [];
  });
}

// `npm run test:slow`: what depends on the machine's speed, kept out of `npm test` (vitest.config.ts only
// includes *.test.ts and runs them without budgets): the soaks (*.slow.ts) and, again, every test file
// with a wall-clock budget, now enforced (VMX_TIME_BUDGETS=1). One file at a time, so that the budgets
// measure vmx rather than the other test files.
export default defineConfig({
  test: {
    include: ['test/**/*.slow.ts', ...budgeted('test')],
    env: { VMX_TIME_BUDGETS: '1' },
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
