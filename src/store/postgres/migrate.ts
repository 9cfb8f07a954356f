import type pg from 'pg';
import { RuntimeError } from '../../errors.js';
import { latestSchemaVersion, migrations } from './migrations/index.js';
import { atomically, type Queryable } from './queryable.js';

/** The advisory lock migrations run under, so daemons starting together apply each one once. */
export const MIGRATION_LOCK = 0x766d7801;

/**
 * Brings the schema forward to the latest version in one transaction under an advisory lock: the
 * first of several daemons starting at the same instant migrates, the others wait for it and find
 * nothing left to do. A database migrated by a newer vmx is refused. An up-to-date database is
 * recognised without taking the lock.
 */
export async function migrate(pool: pg.Pool): Promise<void> {
  const seen = await appliedVersions(pool);
  refuseNewer(seen);
  if (migrations.every((m) => seen.has(m.version))) return;
  await atomically(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at text NOT NULL)',
    );
    const applied = await appliedVersions(client);
    refuseNewer(applied);
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await migration.up(client);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
        migration.version,
        new Date().toISOString(),
      ]);
    }
  });
}

async function appliedVersions(q: Queryable): Promise<Set<number>> {
  const { rows } = await q.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (!rows[0]?.present) return new Set();
  const applied = await q.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(applied.rows.map((r) => r.version));
}

function refuseNewer(applied: ReadonlySet<number>): void {
  const found = Math.max(0, ...applied);
  if (found <= latestSchemaVersion) return;
  throw new RuntimeError(
    `the database schema is version ${found}, newer than this vmx understands (${latestSchemaVersion})`,
    'upgrade vmx, or point --database-url at another database',
  );
}

/** The schema version of the database `q` is connected to: the highest migration applied. */
export async function schemaVersion(q: Queryable): Promise<number> {
  return Math.max(0, ...(await appliedVersions(q)));
}
