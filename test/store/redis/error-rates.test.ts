import { afterAll, describe, expect, it } from 'vitest';
import { ERROR_RATE_HISTORY_MINUTES } from '../../../src/gateway/health/error-rates.js';
import { RedisErrorRateStore } from '../../../src/store/redis/error-rates.js';
import { REDIS_SKIPPED, redisScope, redisUrl } from '../../helpers/redis.js';

describe.skipIf(!redisUrl())('RedisErrorRateStore', () => {
  const scope = redisUrl() ? redisScope(import.meta.filename) : undefined!;
  afterAll(() => scope.cleanup());

  it('adds to one hash per minute, kept for the history, with a field per status and series', async () => {
    const prefix = scope.subPrefix();
    const redis = scope.client();
    const store = new RedisErrorRateStore(redis, prefix);
    const at = { resourceId: 'r', connectionId: 'c', model: 'gpt|4', minute: 28_500_000 };
    await store.add([
      { ...at, status: 500, count: 2 },
      { ...at, resourceId: null, status: 200, count: 1 },
    ]);
    await store.add([{ ...at, status: 500, count: 3 }]);
    expect(await redis.hgetall(`${prefix}28500000`)).toEqual({
      '500|["r","c","gpt|4"]': '5',
      '200|[null,"c","gpt|4"]': '1',
    });
    const ttl = await redis.pttl(`${prefix}28500000`);
    expect(ttl).toBeGreaterThan(ERROR_RATE_HISTORY_MINUTES * 60_000);
    expect(ttl).toBeLessThanOrEqual((ERROR_RATE_HISTORY_MINUTES + 2) * 60_000);
    expect(await store.read(28_500_000, 28_500_001)).toEqual(
      expect.arrayContaining([
        { ...at, status: 500, count: 5 },
        { ...at, resourceId: null, status: 200, count: 1 },
      ]),
    );
  });
});

if (!redisUrl()) it.skip(REDIS_SKIPPED, () => {});
