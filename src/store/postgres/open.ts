import pg from 'pg';
import { RuntimeError, VmxError } from '../../errors.js';
import { withoutPassword } from '../url.js';
import type { StoreBackend } from '../backend.js';
import { migrate, schemaVersion } from './migrate.js';
import { atomically } from './queryable.js';
import { pgRepositories } from './repositories.js';

export interface PostgresOptions {
  /** Most connections this process opens (the pool's size); 10 unless given. */
  maxConnections?: number;
  /** How long to wait for a connection before giving up, in ms; 10 s unless given. */
  connectTimeoutMs?: number;
}

/** A shared PostgreSQL store: the backend, its pool (for LISTEN and tests), and the configuration's version. */
export interface PostgresBackend extends StoreBackend {
  readonly kind: 'postgres';
  readonly pool: pg.Pool;
  /** The URL it was opened with (password included: for a connection of its own, such as LISTEN; never shown). */
  readonly connectionString: string;
  /** Bumped by every committed configuration change (and announced by NOTIFY vmx_config with the new value). */
  configVersion(): Promise<number>;
}

/**
 * int8 (counts, milliseconds, nano-USD) and numeric (sums of int8) as JavaScript numbers, as SQLite
 * gives them: every such value vmx stores is far below 2^53. Set on this pool only, not process-wide.
 */
function numberTypes(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  const INT8 = 20;
  const NUMERIC = 1700;
  for (const oid of [INT8, NUMERIC]) types.setTypeParser(oid, (text: string) => Number(text));
  return types;
}

/**
 * Opens the shared PostgreSQL store at `url` and brings its schema up to date (one daemon migrates,
 * the others wait: see migrate()). Each repository call runs on a pooled connection.
 */
export async function openPostgresBackend(url: string, options: PostgresOptions = {}): Promise<PostgresBackend> {
  const location = withoutPassword(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types: numberTypes(),
  });
  // An idle connection the server dropped is taken out of the pool; the next query opens another.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    if (error instanceof VmxError) throw error;
    throw new RuntimeError(`cannot open the database at ${location}: ${(error as Error).message}`);
  }
  return {
    kind: 'postgres',
    location,
    pool,
    connectionString: url,
    ...pgRepositories(pool),
    transaction: (fn) => atomically(pool, (client) => fn(pgRepositories(client))),
    schemaVersion: () => schemaVersion(pool),
    async configVersion() {
      const { rows } = await pool.query<{ version: number }>('SELECT version FROM config_version');
      return rows[0]?.version ?? 0;
    },
    close: () => pool.end(),
  };
}
