import type { Database } from 'better-sqlite3';
import type { CounterRow } from '../../gateway/capacity/gate.js';

export type { CounterRow };

export type CapacityCounterRepo = ReturnType<typeof createCapacityCounterRepo>;

export function createCapacityCounterRepo(db: Database) {
  const upsert = db.prepare(
    `INSERT INTO capacity_counters (key, window_start, requests, tokens) VALUES (@key, @windowStart, @requests, @tokens)
     ON CONFLICT(key) DO UPDATE SET window_start = excluded.window_start, requests = excluded.requests, tokens = excluded.tokens`,
  );
  const all = db.prepare<[], { key: string; window_start: number; requests: number; tokens: number }>(
    'SELECT * FROM capacity_counters',
  );
  return {
    save(row: CounterRow): void {
      upsert.run(row);
    },
    all(): CounterRow[] {
      return all
        .all()
        .map((r) => ({ key: r.key, windowStart: r.window_start, requests: r.requests, tokens: r.tokens }));
    },
  };
}
