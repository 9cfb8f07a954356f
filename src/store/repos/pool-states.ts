import type { Database } from 'better-sqlite3';
import type { PoolState } from '../../gateway/pools/scaling.js';
import { fromJsonColumn } from '../rows.js';

/** A connection's pool state as a daemon last saved it, and when (ms since epoch). */
export interface SavedPoolState {
  state: PoolState;
  updatedAt: number;
}

export interface PoolStateRow {
  connection_id: string;
  /** JSON text on SQLite, parsed jsonb on PostgreSQL; JSON null for a row a daemon holds before its first state. */
  state: string | PoolState | null;
  updated_at: number;
}

/** The saved state of a row, if it holds one yet. */
export function toSavedPoolState(row: PoolStateRow | undefined): SavedPoolState | undefined {
  const state = row && fromJsonColumn<PoolState | null>(row.state);
  return state ? { state, updatedAt: row!.updated_at } : undefined;
}

/** The rows holding a state, as [connection id, state] entries. */
export const savedStates = (rows: PoolStateRow[]): Array<[string, PoolState]> =>
  rows.flatMap((row) => {
    const saved = toSavedPoolState(row);
    return saved ? [[row.connection_id, saved.state] as [string, PoolState]] : [];
  });

export type PoolStateRepo = ReturnType<typeof createPoolStateRepo>;

/**
 * Each connection's prioritization state (gateway/pools/scaling.ts), written by the daemon that runs
 * the gate and read by `vmx pool status`. Not configuration: a daemon overwrites it as traffic flows.
 */
export function createPoolStateRepo(db: Database) {
  const byId = db.prepare<[string], PoolStateRow>('SELECT * FROM pool_state WHERE connection_id = ?');
  const upsert = db.prepare(
    `INSERT INTO pool_state (connection_id, state, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (connection_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
  );
  const everything = db.prepare<[], PoolStateRow>('SELECT * FROM pool_state');
  const remove = db.prepare('DELETE FROM pool_state WHERE connection_id = ?');

  return {
    get(connectionId: string): SavedPoolState | undefined {
      return toSavedPoolState(byId.get(connectionId));
    },

    /** Every saved state by connection id, for a daemon carrying on where the last one stopped. */
    all(): Array<[string, PoolState]> {
      return savedStates(everything.all());
    },

    /** Saves the connection's state, replacing the one saved before. */
    put(connectionId: string, state: PoolState, updatedAt: number): void {
      upsert.run(connectionId, JSON.stringify(state), updatedAt);
    },

    delete(connectionId: string): void {
      remove.run(connectionId);
    },
  };
}
