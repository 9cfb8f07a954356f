import { afterAll, describe, expect, it } from 'vitest';
import { CapacityGate, counterKey, type CapacityLevel } from '../../../src/gateway/capacity/gate.js';
import { admitted, backends, refused, set } from './backends.js';

const at = (iso: string) => Date.parse(iso);

const { backends: list, skipped } = backends(import.meta.filename);

// One suite, every backend: the gate's behaviour must not depend on where its counters live.
describe.each(list)('CapacityGate on $name counters', (backend) => {
  afterAll(() => backend.close());

  /** A gate on fresh counters and a clock the test moves (windows and expiry both follow it). */
  async function gate(now = '2024-03-10T12:34:56.500Z') {
    const clock = { now: at(now) };
    const { store } = await backend.counters();
    return { gate: new CapacityGate(store, () => clock.now), clock, store };
  }

  describe.each<CapacityLevel>(['key', 'resource', 'connection'])('a %s limit', (level) => {
    it('admits up to its request count, then refuses naming the level, limit and window', async () => {
      const { gate: g } = await gate();
      const limits = [set(level, ['3r/m'])];
      for (let i = 0; i < 3; i++) await admitted(g.admit(limits, 0));
      expect(await refused(g.admit(limits, 0))).toEqual({
        level,
        name: `${level}-name`,
        period: 'minute',
        dimension: 'requests',
        limit: 3,
        retryAfterSeconds: 4,
        message: `capacity exceeded at ${level} level: ${level} '${level}-name' allows 3 requests per minute; retry in 4s`,
      });
      expect(await g.used(level, `${level}-id`, 'minute')).toEqual({ requests: 3, tokens: 0 });
    });

    it('admits up to its token count (the estimate charged up front), then refuses', async () => {
      const { gate: g } = await gate();
      const limits = [set(level, ['100t/h'])];
      await admitted(g.admit(limits, 60));
      await admitted(g.admit(limits, 40)); // exactly at the limit is still in
      expect(await refused(g.admit(limits, 1))).toMatchObject({
        level,
        period: 'hour',
        dimension: 'tokens',
        limit: 100,
      });
      expect(await g.used(level, `${level}-id`, 'hour')).toEqual({ requests: 2, tokens: 100 });
    });
  });

  it('refuses a request whose estimate alone is over the token limit, even in an empty window', async () => {
    const { gate: g } = await gate();
    const refusal = await refused(g.admit([set('key', ['100t/m'])], 101));
    expect(refusal).toMatchObject({ dimension: 'tokens', limit: 100 });
    expect(await g.used('key', 'key-id', 'minute')).toEqual({ requests: 0, tokens: 0 });
  });

  it('checks requests before tokens for the same period', async () => {
    const { gate: g } = await gate();
    const limits = [set('key', ['1r/m', '10t/m'])];
    await admitted(g.admit(limits, 5));
    expect(await refused(g.admit(limits, 50))).toMatchObject({ dimension: 'requests' });
  });

  it('charges all levels or none: a refusal further down the list leaves the others untouched', async () => {
    const { gate: g } = await gate();
    const limits = [set('key', ['10r/m']), set('resource', ['10r/m']), set('connection', ['1r/m'])];
    await admitted(g.admit(limits, 7));
    const refusal = await refused(g.admit(limits, 7));
    expect(refusal).toMatchObject({ level: 'connection', name: 'connection-name' });
    for (const level of ['key', 'resource', 'connection'] as const)
      expect(await g.used(level, `${level}-id`, 'minute'), level).toEqual({ requests: 1, tokens: 7 });
  });

  it('names the first limit that refuses, in the order given', async () => {
    const { gate: g } = await gate();
    const limits = [set('key', ['1r/m']), set('connection', ['1r/m'])];
    await admitted(g.admit(limits, 0));
    expect((await refused(g.admit(limits, 0))).level).toBe('key');
    // Order given, not key order: the connection first this time.
    expect((await refused(g.admit([...limits].reverse(), 0))).level).toBe('connection');
  });

  it('keeps limits of different entities, levels and periods apart', async () => {
    const { gate: g } = await gate();
    await admitted(g.admit([set('key', ['1r/m'], 'a')], 0));
    await admitted(g.admit([set('key', ['1r/m'], 'b')], 0));
    await admitted(g.admit([set('connection', ['1r/m'], 'a')], 0));
    await admitted(g.admit([set('key', ['1r/h'], 'a')], 0));
    expect((await refused(g.admit([set('key', ['1r/m'], 'a')], 0))).period).toBe('minute');
  });

  it('admits with no limits at all and charges nothing', async () => {
    const { gate: g } = await gate();
    expect(await g.admit([], 100)).toEqual({ counters: [], estimate: 100 });
    expect(await g.admit([set('key', [])], 100)).toEqual({ counters: [], estimate: 100 });
  });

  it('answers the counters as charged', async () => {
    const { gate: g } = await gate();
    await admitted(g.admit([set('key', ['5r/m'])], 3));
    const admission = await admitted(g.admit([set('key', ['5r/m']), set('connection', ['100t/h'])], 4));
    expect(admission.counters.map((c) => ({ ...c }))).toEqual([
      { key: 'key:key-id:minute', windowStart: at('2024-03-10T12:34:00.000Z'), requests: 2, tokens: 7 },
      { key: 'connection:connection-id:hour', windowStart: at('2024-03-10T12:00:00.000Z'), requests: 1, tokens: 4 },
    ]);
  });

  it.each<[string, string, string, number]>([
    ['start of a minute', '1r/m', '2024-03-10T12:34:00.000Z', 60],
    ['mid-minute (3.5 s left, rounded up)', '1r/m', '2024-03-10T12:34:56.500Z', 4],
    ['last millisecond of a minute (at least 1 s)', '1r/m', '2024-03-10T12:34:59.999Z', 1],
    ['hour', '1r/h', '2024-03-10T12:59:00.000Z', 60],
    ['day', '1r/d', '2024-03-10T23:00:00.000Z', 3600],
    ['week (Sunday noon UTC)', '1r/w', '2024-03-17T12:00:00.000Z', 12 * 3600],
    ['month (leap February)', '1r/mo', '2024-02-28T00:00:00.000Z', 2 * 86_400],
    ['month (year end)', '1r/mo', '2024-12-31T23:59:30.000Z', 30],
  ])('Retry-After is the time left in the window: %s', async (_case, spec, now, seconds) => {
    const { gate: g } = await gate(now);
    const limits = [set('key', [spec])];
    await admitted(g.admit(limits, 0));
    expect((await refused(g.admit(limits, 0))).retryAfterSeconds).toBe(seconds);
  });

  it('starts over when the window rolls over, per period', async () => {
    const { gate: g, clock } = await gate('2024-03-10T12:34:56.500Z');
    const limits = [set('key', ['2r/m', '3r/h'])];
    await admitted(g.admit(limits, 0));
    await admitted(g.admit(limits, 0));
    expect((await refused(g.admit(limits, 0))).period).toBe('minute');
    clock.now = at('2024-03-10T12:35:00.000Z');
    expect(await g.used('key', 'key-id', 'minute')).toEqual({ requests: 0, tokens: 0 });
    await admitted(g.admit(limits, 0));
    // The hour still remembers the first two.
    expect(await refused(g.admit(limits, 0))).toMatchObject({ period: 'hour', retryAfterSeconds: 25 * 60 });
    clock.now = at('2024-03-10T13:00:00.000Z');
    await admitted(g.admit(limits, 0));
    expect(await g.used('key', 'key-id', 'hour')).toEqual({ requests: 1, tokens: 0 });
  });

  describe('reconcile', () => {
    it('replaces the estimate with the real tokens, once', async () => {
      const { gate: g } = await gate();
      const limits = [set('key', ['1000t/m']), set('connection', ['1000t/d'])];
      const admission = await admitted(g.admit(limits, 50));
      await g.reconcile(admission, 80);
      expect((await g.used('key', 'key-id', 'minute')).tokens).toBe(80);
      expect((await g.used('connection', 'connection-id', 'day')).tokens).toBe(80);
      await g.reconcile(admission, 10); // a later failure path: settled already
      expect((await g.used('key', 'key-id', 'minute')).tokens).toBe(80);
      const second = await admitted(g.admit(limits, 50));
      await g.reconcile(second, 0); // a failed attempt gives its estimate back
      expect(await g.used('key', 'key-id', 'minute')).toEqual({ requests: 2, tokens: 80 });
    });

    it('frees room for the next request', async () => {
      const { gate: g } = await gate();
      const limits = [set('key', ['100t/m'])];
      const first = await admitted(g.admit(limits, 90));
      await refused(g.admit(limits, 20));
      await g.reconcile(first, 30);
      await admitted(g.admit(limits, 20));
    });

    it('release takes back the request and the estimate (a later gate refused), once', async () => {
      const { gate: g } = await gate();
      const limits = [set('key', ['2r/m', '100t/m'])];
      await admitted(g.admit(limits, 30));
      const second = await admitted(g.admit(limits, 60));
      await refused(g.admit(limits, 1));
      await g.release(second);
      await g.release(second);
      await g.reconcile(second, 500); // settled by the release
      expect(await g.used('key', 'key-id', 'minute')).toEqual({ requests: 1, tokens: 30 });
      await admitted(g.admit(limits, 70));
    });

    it('never goes below zero', async () => {
      const { gate: g, store } = await gate();
      const admission = await admitted(g.admit([set('key', ['100t/m'])], 50));
      // Whatever lowered the window's count meanwhile, giving back the estimate stops at 0.
      await store.adjust(admission.counters, -30);
      expect((await g.used('key', 'key-id', 'minute')).tokens).toBe(20);
      await g.reconcile(admission, 0);
      expect((await g.used('key', 'key-id', 'minute')).tokens).toBe(0);
    });

    it('leaves a window that rolled over since the admission alone', async () => {
      const { gate: g, clock } = await gate('2024-03-10T12:34:59.000Z');
      const limits = [set('key', ['1000t/m', '1000t/h'])];
      const admission = await admitted(g.admit(limits, 50));
      clock.now = at('2024-03-10T12:35:01.000Z');
      await admitted(g.admit(limits, 10));
      await g.reconcile(admission, 500);
      expect((await g.used('key', 'key-id', 'minute')).tokens).toBe(10); // the new minute: never charged for it
      expect((await g.used('key', 'key-id', 'hour')).tokens).toBe(510);
    });
  });

  it('names counters level:id:period', () => {
    expect(counterKey('resource', 'r-1', 'week')).toBe('resource:r-1:week');
  });
});

for (const line of skipped) it.skip(line, () => {});
