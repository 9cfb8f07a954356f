import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

/** The PostgreSQL server the backend suites run against (a superuser URL), when one is given. */
export function postgresUrl(): string | undefined {
  return process.env.VMX_TEST_DATABASE_URL || undefined;
}

/** The one line a suite shows when it cannot run against PostgreSQL. */
export const POSTGRES_SKIP_REASON = 'VMX_TEST_DATABASE_URL not set';

export interface FreshDatabase {
  /** The URL of the new, empty database. */
  url: string;
  /** Drops it, closing any connection still open to it. */
  drop(): Promise<void>;
}

const uniqueName = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

async function onServer<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the test server (vmx_t_<random>), for one test or one suite. */
export async function freshDatabase(): Promise<FreshDatabase> {
  const server = postgresUrl();
  if (!server) throw new Error(`freshDatabase() needs a server: ${POSTGRES_SKIP_REASON}`);
  const name = uniqueName('vmx_t');
  await onServer(server, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await onServer(server, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** One database per test file holds the schemas of freshSchema(); dropped when the file is done. */
let shared: Promise<FreshDatabase> | undefined;

afterAll(async () => {
  const database = shared;
  shared = undefined;
  if (database) await (await database).drop();
});

/**
 * A new, empty schema (s_<random>) and a URL whose connections use it (search_path): a store as
 * empty as a fresh database, made in milliseconds rather than the quarter second CREATE DATABASE
 * takes. Notifications (LISTEN/NOTIFY) are per database, so a test of them wants freshDatabase().
 */
export async function freshSchema(): Promise<FreshDatabase> {
  shared ??= freshDatabase();
  const database = await shared;
  const schema = uniqueName('s');
  await onServer(database.url, (client) => client.query(`CREATE SCHEMA ${schema}`));
  const url = new URL(database.url);
  // %20, not URLSearchParams' +: libpq's tools (pg_dump, psql) read a + as a plus.
  url.search = `?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    url: url.toString(),
    drop: async () => {
      await onServer(database.url, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
  };
}
