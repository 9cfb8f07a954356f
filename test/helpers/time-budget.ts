import { expect } from 'vitest';

/**
 * Whether wall-clock budgets are checked. They depend on the machine and on whatever else it runs at
 * the time, so `npm test` leaves them out; `npm run test:slow` (vitest.slow.config.ts) runs every
 * test file that imports this one again, with VMX_TIME_BUDGETS=1.
 */
export const timeBudgets = process.env.VMX_TIME_BUDGETS === '1';

/** `took` stayed under `budget` (milliseconds unless `unit` says otherwise); checked only by `npm run test:slow`. */
export function expectWithinBudget(took: number, budget: number, what: string, unit = 'ms'): void {
  if (timeBudgets) expect(took, `${what}: ${took.toFixed(1)} ${unit}, budget ${budget} ${unit}`).toBeLessThan(budget);
}

/**
 * How many rounds a race test runs: a few under `npm test`, where a lost edit shows in the first round
 * or two, and many under `npm run test:slow`, to catch the rarer interleavings.
 */
export const rounds = (quick: number, thorough: number): number => (timeBudgets ? thorough : quick);
