import type { Async } from '../../backend.js';
import { savedStates, toSavedPoolState, type PoolStateRepo, type PoolStateRow } from '../../repos/pool-states.js';
import type { Queryable } from '../queryable.js';

/** Connections' pool states on PostgreSQL; behaves as the SQLite PoolStateRepo. */
export function createPgPoolStateRepo(q: Queryable): Async<PoolStateRepo> {
  return {
    async get(connectionId) {
      const { rows } = await q.query<PoolStateRow>('SELECT * FROM pool_state WHERE connection_id = $1', [connectionId]);
      return toSavedPoolState(rows[0]);
    },

    /** Every saved state by connection id, for a daemon carrying on where the last one stopped. */
    async all() {
      return savedStates((await q.query<PoolStateRow>('SELECT * FROM pool_state')).rows);
    },

    /** Saves the connection's state, replacing the one saved before. */
    async put(connectionId, state, updatedAt) {
      await q.query(
        `INSERT INTO pool_state (connection_id, state, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (connection_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
        [connectionId, JSON.stringify(state), updatedAt],
      );
    },

    async delete(connectionId) {
      await q.query('DELETE FROM pool_state WHERE connection_id = $1', [connectionId]);
    },
  };
}
