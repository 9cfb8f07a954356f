import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { BusyError, RuntimeError } from '../../../src/errors.js';
import { CapacityGate, isRejection } from '../../../src/gateway/capacity/gate.js';
import { RedisCounters } from '../../../src/store/redis/counters.js';
import { connectRedis } from '../../../src/store/redis/connect.js';
import { withoutPassword } from '../../../src/store/url.js';
import { set } from '../../gateway/capacity/backends.js';
import { redisScope, redisUrl } from '../../helpers/redis.js';

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('connectRedis', () => {
  it('refuses an unreachable server with one line naming it, never its password', async () => {
    const url = `redis://:hunter2@127.0.0.1:${await closedPort()}`;
    const failure = connectRedis(url);
    await expect(failure).rejects.toBeInstanceOf(RuntimeError);
    await expect(failure).rejects.toThrow(/^cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: /);
    await expect(failure).rejects.not.toThrow(/hunter2/);
    expect(withoutPassword('redis://user:pw@host:1/2')).toBe('redis://user:***@host:1/2');
  });

  it.skipIf(!redisUrl())('answers with a client the counters run on', async () => {
    const scope = redisScope(import.meta.filename);
    try {
      const redis = await connectRedis(redisUrl()!);
      const gate = new CapacityGate(new RedisCounters(redis, scope.subPrefix()));
      expect(isRejection(await gate.admit([set('key', ['1r/m'])], 0))).toBe(false);
      expect(isRejection(await gate.admit([set('key', ['1r/m'])], 0))).toBe(true);
      redis.disconnect();
    } finally {
      await scope.cleanup();
    }
  });
});

describe('a gate whose Redis does not answer', () => {
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));

  it('admits nothing: 503 with Retry-After, the cause reported', async () => {
    // What connectRedis sets up, on a server that went away: commands fail at once.
    const redis = new Redis(await closedPort(), '127.0.0.1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => {});
    clients.push(redis);
    const errors: unknown[] = [];
    const gate = new CapacityGate(new RedisCounters(redis), Date.now, (e) => errors.push(e));
    const failure = gate.admit([set('connection', ['5r/m'])], 0);
    await expect(failure).rejects.toBeInstanceOf(BusyError);
    await expect(failure).rejects.toMatchObject({ retryAfterSeconds: 1, httpStatus: 503 });
    await expect(failure).rejects.toThrow(/^capacity counters unavailable: /);
    expect(errors).toHaveLength(1);
  });
});
