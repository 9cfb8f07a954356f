import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { Redis } from 'ioredis';

/** The Redis the backend suites run against (CI: `eval "$(.ci/redis.sh)"`), or undefined to skip them. */
export const redisUrl = (): string | undefined => process.env.VMX_TEST_REDIS_URL || undefined;

/** The one line a suite prints when it skips its Redis part. */
export const REDIS_SKIPPED = 'Redis: skipped, VMX_TEST_REDIS_URL is not set (eval "$(.ci/redis.sh)" starts one)';

/**
 * A test file's corner of the shared Redis: every key it writes starts with `prefix` (fresh per run,
 * so files and reruns never see each other's counters), clients opened through it are closed and its
 * keys deleted by `cleanup()`.
 */
export interface RedisScope {
  prefix: string;
  /** A fresh prefix under this file's, for one test. */
  subPrefix(): string;
  /** A new connection (another daemon, as far as the code under test can tell). */
  client(): Redis;
  cleanup(): Promise<void>;
}

export function redisScope(file: string): RedisScope {
  const url = redisUrl();
  if (!url) throw new Error(REDIS_SKIPPED);
  const prefix = `vmxtest:${basename(file).replace(/\.test\.ts$/, '')}:${randomBytes(4).toString('hex')}:`;
  const clients: Redis[] = [];
  let tests = 0;
  return {
    prefix,
    subPrefix: () => `${prefix}${++tests}:`,
    client() {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      clients.push(client);
      return client;
    },
    async cleanup() {
      const admin = new Redis(url);
      try {
        await deleteKeys(admin, prefix);
      } finally {
        admin.disconnect();
        for (const client of clients.splice(0)) client.disconnect();
      }
    },
  };
}

/** Deletes every key starting with `prefix` (SCAN, never KEYS: the server may be shared). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
