import type { Database } from 'better-sqlite3';

/** A store-wide setting (`vmx config`), as text; the CLI validates values before they get here. */
export interface Setting {
  key: string;
  value: string;
  updatedAt: string;
}

/** Keys under this prefix are the store's own bookkeeping (prune cursors and floors), not settings. */
export const STATE_PREFIX = 'state.';

export type SettingsRepo = ReturnType<typeof createSettingsRepo>;

export function createSettingsRepo(db: Database) {
  const one = db.prepare<[string], { key: string; value: string; updated_at: string }>(
    'SELECT * FROM settings WHERE key = ?',
  );
  const all = db.prepare<[string], { key: string; value: string; updated_at: string }>(
    "SELECT * FROM settings WHERE key NOT LIKE ? || '%' ORDER BY key",
  );
  const upsert = db.prepare(
    `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare<[string]>('DELETE FROM settings WHERE key = ?');
  return {
    get(key: string): string | undefined {
      return one.get(key)?.value;
    },
    set(key: string, value: string): void {
      upsert.run(key, value, new Date().toISOString());
    },
    /** Back to the default; false when it was not set. */
    unset(key: string): boolean {
      return remove.run(key).changes > 0;
    },
    /** Every setting made, without the store's bookkeeping. */
    list(): Setting[] {
      return all.all(STATE_PREFIX).map((r) => ({ key: r.key, value: r.value, updatedAt: r.updated_at }));
    },
  };
}

/** One bookkeeping value under `state.` (a prune cursor, a floor), for the repositories that keep one. */
export function createStateCell(db: Database, name: string) {
  const key = `${STATE_PREFIX}${name}`;
  const one = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const upsert = db.prepare(
    `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  return {
    get: (): string | undefined => one.get(key)?.value,
    set: (value: string): void => void upsert.run(key, value, new Date().toISOString()),
  };
}
