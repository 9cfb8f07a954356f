import { Redis } from 'ioredis';
import { withoutPassword } from '../url.js';
import { RuntimeError } from '../../errors.js';

/** An admission waits at most this long for Redis before it is answered 503. */
const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A connected client for the shared counters. While Redis is unreachable a command fails at once
 * (no offline queue, no retries: a request is refused, not held until a reconnect) and the client
 * reconnects in the background; `onError` hears about each failure (ioredis reports them as events).
 */
export async function connectRedis(url: string, onError: (error: Error) => void = () => {}): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  redis.on('error', onError);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new RuntimeError(
      `cannot reach Redis at ${withoutPassword(url)}: ${(error as Error).message}`,
      'check VMX_REDIS_URL / --redis-url and that the server is running',
    );
  }
  return redis;
}
