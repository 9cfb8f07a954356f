import type { Async } from '../../backend.js';
import type { CapacityCounterRepo, CounterRow } from '../../repos/capacity-counters.js';
import type { Queryable } from '../queryable.js';

/** The PostgreSQL capacity-counter repository, plus saving many rows in one statement for the record writer. */
export type PgCapacityCounterRepo = Async<CapacityCounterRepo> & {
  saveMany(rows: readonly CounterRow[]): Promise<void>;
};

/**
 * Counters of the current windows as a daemon last saved them, so its limits hold across a restart:
 * one row per counter key, the last save wins.
 */
const UPSERT_SQL = `INSERT INTO capacity_counters (key, window_start, requests, tokens)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
  ON CONFLICT (key) DO UPDATE SET
    window_start = excluded.window_start, requests = excluded.requests, tokens = excluded.tokens`;

export function createPgCapacityCounterRepo(q: Queryable): PgCapacityCounterRepo {
  async function saveMany(rows: readonly CounterRow[]): Promise<void> {
    if (rows.length === 0) return;
    // A key saved twice in one batch: its last value, once (one statement cannot change a row twice).
    const last = [...new Map(rows.map((row) => [row.key, row])).values()];
    await q.query(UPSERT_SQL, [
      last.map((r) => r.key),
      last.map((r) => r.windowStart),
      last.map((r) => r.requests),
      last.map((r) => r.tokens),
    ]);
  }
  return {
    saveMany,
    save: (row: CounterRow) => saveMany([row]),
    async all() {
      const { rows } = await q.query<Record<string, unknown>>('SELECT * FROM capacity_counters');
      return rows.map((r) => ({
        key: r.key as string,
        windowStart: Number(r.window_start),
        requests: Number(r.requests),
        tokens: Number(r.tokens),
      }));
    },
  };
}
