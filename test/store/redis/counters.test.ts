import { afterAll, describe, expect, it } from 'vitest';
import { CapacityGate, isRejection } from '../../../src/gateway/capacity/gate.js';
import { WINDOW_MARGIN_MS } from '../../../src/gateway/capacity/counter-store.js';
import { RedisCounters } from '../../../src/store/redis/counters.js';
import { set } from '../../gateway/capacity/backends.js';
import { REDIS_SKIPPED, redisScope, redisUrl } from '../../helpers/redis.js';

// What only Redis has to get right (the behaviour every backend shares is test/gateway/capacity's):
// key names, expiry on the gate's clock, and the scripts.
describe.skipIf(!redisUrl())('RedisCounters', () => {
  const scope = redisUrl() ? redisScope(import.meta.filename) : undefined!;
  afterAll(() => scope.cleanup());

  const now = Date.parse('2024-03-10T12:34:56.500Z');
  const minute = Date.parse('2024-03-10T12:34:00.000Z');
  const hour = Date.parse('2024-03-10T12:00:00.000Z');

  function gate() {
    const prefix = scope.subPrefix();
    const redis = scope.client();
    return { gate: new CapacityGate(new RedisCounters(redis, prefix), () => now), redis, prefix };
  }

  it('keeps one hash per counter and window, expiring at the window end (gate clock) plus the margin', async () => {
    const { gate: g, redis, prefix } = gate();
    await g.admit([set('key', ['5r/m', '1000t/h'])], 7);
    expect((await redis.keys(`${prefix}*`)).sort()).toEqual([
      `${prefix}key:key-id:hour:${hour}`,
      `${prefix}key:key-id:minute:${minute}`,
    ]);
    expect(await redis.hgetall(`${prefix}key:key-id:minute:${minute}`)).toEqual({ r: '1', t: '7' });
    const ttl = (key: string) => redis.pttl(`${prefix}key:key-id:${key}`);
    const minuteLeft = minute + 60_000 - now + WINDOW_MARGIN_MS;
    const hourLeft = hour + 3_600_000 - now + WINDOW_MARGIN_MS;
    expect(await ttl(`minute:${minute}`)).toBeGreaterThan(minuteLeft - 5_000);
    expect(await ttl(`minute:${minute}`)).toBeLessThanOrEqual(minuteLeft);
    expect(await ttl(`hour:${hour}`)).toBeGreaterThan(hourLeft - 5_000);
    expect(await ttl(`hour:${hour}`)).toBeLessThanOrEqual(hourLeft);
  });

  it('writes nothing for a refused admission', async () => {
    const { gate: g, redis, prefix } = gate();
    expect(isRejection(await g.admit([set('key', ['5r/m']), set('connection', ['10t/m'])], 11))).toBe(true);
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  it('does not bring back a counter that expired before its reconcile', async () => {
    const { gate: g, redis, prefix } = gate();
    const admission = await g.admit([set('key', ['5r/m'])], 7);
    if (isRejection(admission)) throw new Error(admission.message);
    await redis.del(`${prefix}key:key-id:minute:${minute}`);
    await g.reconcile(admission, 100);
    expect(await redis.keys(`${prefix}*`)).toEqual([]);
  });

  it('runs its scripts by SHA, and sends them again when Redis forgot them', async () => {
    const { gate: g, redis } = gate();
    const limits = [set('key', ['2r/m'])];
    expect(isRejection(await g.admit(limits, 0))).toBe(false);
    await redis.script('FLUSH');
    expect(isRejection(await g.admit(limits, 0))).toBe(false);
    expect(isRejection(await g.admit(limits, 0))).toBe(true);
  });
});

if (!redisUrl()) it.skip(REDIS_SKIPPED, () => {});
