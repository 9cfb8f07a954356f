import { afterAll, describe, expect, it } from 'vitest';
import { isPoolRejection, PoolGate, type PoolOutcome, type PoolRequest } from '../../../src/gateway/pools/gate.js';
import type { PoolSpec } from '../../../src/gateway/pools/scaling.js';
import { backends } from '../capacity/backends.js';

const { backends: list, skipped } = backends(import.meta.filename);

const pools: PoolSpec[] = [
  { name: 'high', rank: 1, min: 20, max: 100 },
  { name: 'low', rank: 2, min: 10, max: 50 },
];
let connections = 0;

/** A request of `pool` on a fresh connection (per test) with a 1,000 tokens/minute budget. */
const request = (connectionId: string, pool: string, estimate: number): PoolRequest => ({
  connectionId,
  connectionName: 'up',
  pools,
  pool,
  budget: 1000,
  estimate,
});

// One suite, every backend: pool decisions must not depend on where the allocation lives.
describe.each(list)('PoolGate on $name pool states', (backend) => {
  afterAll(() => backend.close());

  async function gates(now = Date.UTC(2026, 11, 1, 12, 0, 10)) {
    const clock = { now };
    const { store, another } = await backend.poolStates();
    const connectionId = `connection-${++connections}`;
    return {
      connectionId,
      clock,
      one: new PoolGate(store, () => clock.now),
      two: new PoolGate(another(), () => clock.now),
    };
  }

  it('denies a pool past its share with Retry-After and a message naming the pool and its share', async () => {
    const { connectionId, one } = await gates();
    for (let i = 0; i < 10; i++) expect(isPoolRejection(await one.admit(request(connectionId, 'low', 50)))).toBe(false);
    const denied = (await one.admit(request(connectionId, 'low', 50))) as PoolOutcome;
    expect(denied).toEqual({
      pool: 'low',
      retryAfterSeconds: 50,
      message:
        "prioritization denied: pool 'low' has used 500 of its 500 tokens this minute on connection 'up' " +
        '(current share 50% of 1000 tokens/minute; min 10%, max 50%); retry in 50s',
    });
    // The higher pool is still served, and takes the lower one's share back down to its min.
    expect(isPoolRejection(await one.admit(request(connectionId, 'high', 600)))).toBe(false);
  });

  it('is exact across daemons: 40 concurrent requests of 50 tokens on two daemons, 20 admitted', async () => {
    const { connectionId, one, two } = await gates();
    const only = { ...request(connectionId, 'high', 50), pools: [{ name: 'high', rank: 1, min: 100, max: 100 }] };
    const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).admit(only)));
    expect(outcomes.filter((o) => !isPoolRejection(o))).toHaveLength(20);
  });

  it('reconciles with the real tokens, freeing the share for the next request', async () => {
    const { connectionId, one, two } = await gates();
    const first = await one.admit(request(connectionId, 'low', 500));
    expect(isPoolRejection(first)).toBe(false);
    expect(isPoolRejection(await two.admit(request(connectionId, 'low', 100)))).toBe(true);
    await one.reconcile(first as Exclude<PoolOutcome, { retryAfterSeconds: number }>, 100);
    expect(isPoolRejection(await two.admit(request(connectionId, 'low', 100)))).toBe(false);
  });
});

for (const line of skipped) it.skip(line, () => {});
