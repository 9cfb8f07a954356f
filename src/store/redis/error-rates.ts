import type { Redis } from 'ioredis';
import { ERROR_RATE_HISTORY_MINUTES, type MinuteCount } from '../../gateway/health/error-rates.js';
import type { ErrorRateStore } from '../../gateway/health/shared-error-rates.js';

/** A minute's hash lives this long after its last write: the whole history, and a little more. */
const KEEP_MS = (ERROR_RATE_HISTORY_MINUTES + 2) * 60_000;

/**
 * Attempt outcomes of every daemon in Redis: one hash per minute (`<prefix><minute>`), one field per
 * status and (resource, connection, model) (`<status>|<JSON [resource, connection, model]>`), added
 * to with HINCRBY and expiring once the minute is older than the history.
 */
export class RedisErrorRateStore implements ErrorRateStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'vmx:error-rates:',
  ) {}

  async add(counts: readonly MinuteCount[]): Promise<void> {
    if (counts.length === 0) return;
    const batch = this.redis.pipeline();
    const minutes = new Set<number>();
    for (const c of counts) {
      batch.hincrby(
        this.prefix + c.minute,
        `${c.status}|${JSON.stringify([c.resourceId, c.connectionId, c.model])}`,
        c.count,
      );
      minutes.add(c.minute);
    }
    for (const minute of minutes) batch.pexpire(this.prefix + minute, KEEP_MS);
    failed(await batch.exec());
  }

  async read(fromMinute: number, toMinute: number): Promise<MinuteCount[]> {
    const batch = this.redis.pipeline();
    for (let minute = fromMinute; minute <= toMinute; minute++) batch.hgetall(this.prefix + minute);
    const answers = failed(await batch.exec());
    const counts: MinuteCount[] = [];
    answers.forEach((fields, i) => {
      for (const [field, count] of Object.entries(fields as Record<string, string>)) {
        const bar = field.indexOf('|');
        const [resourceId, connectionId, model] = JSON.parse(field.slice(bar + 1)) as (string | null)[];
        counts.push({
          resourceId: resourceId ?? null,
          connectionId: connectionId ?? null,
          model: model ?? null,
          minute: fromMinute + i,
          status: Number(field.slice(0, bar)),
          count: Number(count),
        });
      }
    });
    return counts;
  }

  /** Nothing to do: minutes expire on their own. */
  async prune(): Promise<void> {}
}

/** The answers of a pipeline, or its first error thrown. */
function failed(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('the Redis pipeline was not run (the connection closed)');
  for (const [error] of results) if (error) throw error;
  return results.map(([, answer]) => answer);
}
