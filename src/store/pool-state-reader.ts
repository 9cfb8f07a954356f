import type { PoolState } from '../gateway/pools/scaling.js';
import type { StoreBackend } from './backend.js';
import { poolStateKey } from './redis/pool-states.js';

/**
 * The pool states of these connections where `store`'s daemons keep them, by connection id (none
 * for a connection without one yet): in Redis when they are a shared store's daemons given one
 * (`redisUrl`), else in the store's `pool_state` table — where an embedded store's daemon saves its
 * state, and where a shared store's daemons keep it without Redis.
 */
export async function readPoolStates(
  store: Pick<StoreBackend, 'kind' | 'poolStates'>,
  redisUrl: string | undefined,
  connectionIds: readonly string[],
): Promise<Map<string, PoolState>> {
  const states = new Map<string, PoolState>();
  if (connectionIds.length === 0) return states;
  if (store.kind !== 'postgres' || !redisUrl) {
    for (const id of connectionIds) {
      const saved = await store.poolStates.get(id);
      if (saved) states.set(id, saved.state);
    }
    return states;
  }
  // Loaded only for a shared store with Redis, as the daemon's counters are.
  const { connectRedis } = await import('./redis/connect.js');
  const redis = await connectRedis(redisUrl);
  try {
    // One GET per key, not MGET: in a cluster the keys live on different nodes.
    const values = await Promise.all(connectionIds.map((id) => redis.get(poolStateKey(id))));
    values.forEach((text, i) => text !== null && states.set(connectionIds[i]!, JSON.parse(text) as PoolState));
  } finally {
    redis.disconnect();
  }
  return states;
}
