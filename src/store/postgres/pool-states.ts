import type { PoolState } from '../../gateway/pools/scaling.js';
import type { PoolStateStore, PoolStep } from '../../gateway/pools/state-store.js';
import { OneAtATime } from '../one-at-a-time.js';
import { atomically, type Queryable } from './queryable.js';

/**
 * Pool allocations in PostgreSQL (no Redis given): table `pool_state`, one row per connection. A step
 * reads the row FOR UPDATE and writes it back in one transaction, so daemons take turns on a
 * connection; within a daemon, steps on one connection queue (no pool client waits on a row lock
 * this daemon holds).
 */
export class PgPoolStates implements PoolStateStore {
  private readonly queue = new OneAtATime();

  constructor(
    private readonly db: Queryable,
    private readonly clock: () => number = Date.now,
  ) {}

  update<R>(connectionId: string, step: PoolStep<R>): Promise<R> {
    return this.queue.run(connectionId, () =>
      atomically(this.db, async (client) => {
        await client.query(
          `INSERT INTO pool_state (connection_id, state, updated_at) VALUES ($1, 'null', 0)
           ON CONFLICT (connection_id) DO NOTHING`,
          [connectionId],
        );
        const { rows } = await client.query<{ state: PoolState | null }>(
          'SELECT state FROM pool_state WHERE connection_id = $1 FOR UPDATE',
          [connectionId],
        );
        const { state, result } = step(rows[0]?.state ?? undefined);
        if (state) {
          await client.query('UPDATE pool_state SET state = $2, updated_at = $3 WHERE connection_id = $1', [
            connectionId,
            JSON.stringify(state),
            this.clock(),
          ]);
        }
        return result;
      }),
    );
  }
}
