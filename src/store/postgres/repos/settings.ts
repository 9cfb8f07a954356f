import type { Async } from '../../backend.js';
import { STATE_PREFIX, type Setting, type SettingsRepo } from '../../repos/settings.js';
import type { Queryable } from '../queryable.js';

const UPSERT = `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;

const read = async (q: Queryable, key: string): Promise<string | undefined> =>
  (await q.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key])).rows[0]?.value;

/** Store-wide settings on PostgreSQL; behaves as the SQLite SettingsRepo. */
export function createPgSettingsRepo(q: Queryable): Async<SettingsRepo> {
  return {
    get: (key) => read(q, key),
    async set(key, value) {
      await q.query(UPSERT, [key, value, new Date().toISOString()]);
    },
    /** Back to the default; false when it was not set. */
    async unset(key) {
      return ((await q.query('DELETE FROM settings WHERE key = $1', [key])).rowCount ?? 0) > 0;
    },
    /** Every setting made, without the store's bookkeeping. */
    async list(): Promise<Setting[]> {
      const { rows } = await q.query<{ key: string; value: string; updated_at: string }>(
        `SELECT * FROM settings WHERE key NOT LIKE $1 || '%' ORDER BY key COLLATE "C"`,
        [STATE_PREFIX],
      );
      return rows.map((r) => ({ key: r.key, value: r.value, updatedAt: r.updated_at }));
    },
  };
}

/**
 * One bookkeeping value under `state.` (a prune cursor, a floor), for the repositories that keep one;
 * the PostgreSQL twin of createStateCell. Writing it is not a configuration change (no reload).
 */
export function createPgStateCell(q: Queryable, name: string) {
  const key = `${STATE_PREFIX}${name}`;
  return {
    get: (): Promise<string | undefined> => read(q, key),
    set: async (value: string): Promise<void> => void (await q.query(UPSERT, [key, value, new Date().toISOString()])),
  };
}
