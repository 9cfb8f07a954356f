import type { Database } from 'better-sqlite3';

/**
 * Capacity counters of the current windows, so limits hold across a daemon restart. One row per
 * (level, id, period); `window_start` says which window the counts belong to (older ones are stale).
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE capacity_counters (
      key          TEXT PRIMARY KEY,
      window_start INTEGER NOT NULL,
      requests     INTEGER NOT NULL,
      tokens       INTEGER NOT NULL
    );
  `);
}
