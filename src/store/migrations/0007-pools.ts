import type { Database } from 'better-sqlite3';

/**
 * Prioritization pools (reference §1.8): the pools of an environment share each connection's
 * per-minute token budget by rank, each between its min and max share (%); a resource is in one pool
 * at most. `pool_state` is each connection's allocation as the daemon's gate last saved it (a
 * `PoolState` of gateway/pools/scaling.ts, JSON): written by daemons, not configuration, and no
 * foreign key — a state may outlive its connection, as a counter does.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE pools (
      id             TEXT PRIMARY KEY,
      environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
      name           TEXT NOT NULL,
      rank           INTEGER NOT NULL CHECK (rank >= 1),
      min_pct        INTEGER NOT NULL CHECK (min_pct BETWEEN 0 AND 100),
      max_pct        INTEGER NOT NULL CHECK (max_pct BETWEEN 0 AND 100),
      resources      TEXT NOT NULL DEFAULT '[]',
      created_at     TEXT NOT NULL,
      updated_at     TEXT NOT NULL,
      created_by     TEXT NOT NULL,
      updated_by     TEXT NOT NULL,
      UNIQUE (environment_id, name)
    );

    CREATE TABLE pool_state (
      connection_id TEXT PRIMARY KEY,
      state         TEXT NOT NULL,
      updated_at    INTEGER NOT NULL
    );
  `);
}
