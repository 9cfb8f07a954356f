import { describe, expect, it } from 'vitest';
import { decide, reconcile, type PoolSpec, type PoolState } from '../../../src/gateway/pools/scaling.js';

const high: PoolSpec = { name: 'high', rank: 1, min: 20, max: 100 };
const low: PoolSpec = { name: 'low', rank: 2, min: 10, max: 50 };
const pools = [low, high]; // any order: rank decides
const start = Date.UTC(2026, 11, 1, 12, 0, 0);

/** One connection's allocation driven request by request, as a store would (state in, state out). */
function connection(budget = 1000) {
  let state: PoolState | undefined;
  return {
    ask(pool: string, estimate: number, now: number) {
      const step = decide(state, { pools, pool, estimate, budget, now });
      state = step.state;
      return step.verdict;
    },
    get state() {
      return state!;
    },
    set state(s: PoolState) {
      state = s;
    },
  };
}

describe('adaptive token scaling', () => {
  it('starts every pool at its min; a pool grows into the free budget up to its max', () => {
    const c = connection();
    expect(c.ask('low', 50, start + 1000)).toEqual({ admitted: true, share: 10, used: 50 });
    expect(c.state.shares).toMatchObject({ high: { current: 20 }, low: { current: 10 } });
    const verdicts = Array.from({ length: 12 }, (_, i) => c.ask('low', 50, start + 2000 + i));
    // 500 tokens (its max, 50%) fit; the 11th request of 50 would pass them.
    expect(verdicts.filter((v) => v.admitted)).toHaveLength(9);
    expect(verdicts.at(-1)).toEqual({ admitted: false, share: 50, used: 500, retryAfterSeconds: 58 });
    expect(c.state.shares.low!.last).toMatchObject({ action: 'up', to: 50 });
  });

  it('under load from both, the higher pool takes from the lower down to its min; the lower is denied past its share', () => {
    const c = connection();
    const outcomes: Record<string, boolean[]> = { high: [], low: [] };
    for (let i = 0; i < 16; i++) {
      for (const pool of ['low', 'high']) outcomes[pool]!.push(c.ask(pool, 50, start + 1000 + i * 100).admitted);
    }
    // low reached 50% while there was room; high grew into the rest and then took low back to its min.
    expect(c.state.shares.high!.current).toBe(90);
    expect(c.state.shares.low).toMatchObject({ current: 10, last: { action: 'yield' } });
    expect(outcomes.high!.every(Boolean)).toBe(true);
    const lowDenied = outcomes.low!.indexOf(false);
    expect(lowDenied).toBeGreaterThan(0);
    expect(outcomes.low!.slice(lowDenied).every((admitted) => !admitted)).toBe(true);
  });

  it('a quiet pool shrinks back to its use after a while, never below its min; a new minute starts from zero', () => {
    const c = connection();
    for (let i = 0; i < 8; i++) c.ask('low', 50, start + 1000 + i);
    // 400 tokens in a second is a rate of 800 a minute: low grows to its max.
    expect(c.state.shares.low!.current).toBe(50);
    // 5 s later high asks: low has not been quiet long enough to shrink.
    c.ask('high', 10, start + 6000);
    expect(c.state.shares.low!.current).toBe(50);
    // 45 s later low's 30-s rate is 0: it shrinks to its min when anyone asks.
    const verdict = c.ask('high', 10, start + 46_000);
    expect(verdict.admitted).toBe(true);
    expect(c.state.shares.low).toMatchObject({ current: 10, last: { action: 'down', from: 50, to: 10 } });
    // The next minute: low's tokens start from zero.
    expect(c.ask('low', 50, start + 61_000)).toMatchObject({ admitted: true, used: 50 });
  });

  it('reconcile replaces the estimate with the real tokens in the minute it was charged', () => {
    const c = connection();
    c.ask('low', 90, start + 1000);
    c.state = reconcile(c.state, 'low', start + 1000, 30 - 90);
    expect(c.state.minute.tokens.low).toBe(30);
    // Another minute: nothing to correct.
    c.state = reconcile(c.state, 'low', start - 60_000, 500);
    expect(c.state.minute.tokens.low).toBe(30);
  });

  it('an edited definition is honoured: shares are brought within new bounds, mins first from the lowest priority', () => {
    let state: PoolState | undefined;
    state = decide(state, { pools, pool: 'low', estimate: 400, budget: 1000, now: start }).state;
    expect(state.shares.low!.current).toBe(40);
    const edited = [
      { ...high, min: 70 },
      { ...low, max: 30 },
    ];
    const step = decide(state, { pools: edited, pool: 'high', estimate: 1, budget: 1000, now: start + 1 });
    expect(step.state.shares).toMatchObject({ high: { current: 70 }, low: { current: 30 } });
    const dropped = decide(step.state, { pools: [high], pool: 'high', estimate: 1, budget: 1000, now: start + 2 });
    expect(Object.keys(dropped.state.shares)).toEqual(['high']);
  });

  it('does not change the state it is given', () => {
    const c = connection();
    c.ask('low', 50, start);
    const before = JSON.stringify(c.state);
    decide(c.state, { pools, pool: 'low', estimate: 300, budget: 1000, now: start + 1 });
    expect(JSON.stringify(c.state)).toBe(before);
  });
});
