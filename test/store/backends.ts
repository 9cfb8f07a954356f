import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteBackend, type StoreBackend } from '../../src/store/backend.js';
import { openStore } from '../../src/store/open.js';
import { openPostgresBackend, type PostgresBackend } from '../../src/store/postgres/open.js';
import { freshSchema, POSTGRES_SKIP_REASON, postgresUrl } from '../helpers/postgres.js';
import { tempHome } from '../helpers/temp-home.js';

/**
 * A backend a shared store test runs against. open() gives a new, empty, migrated store each time,
 * closed (and its database dropped) when the test that opened it ends: call it in the test or in a
 * beforeEach.
 */
export interface BackendCase {
  name: 'sqlite' | 'postgres';
  open(): Promise<StoreBackend>;
  /**
   * Another connection to the store `open()` gave, as a second daemon (or CLI run) opens it: its own
   * SQLite connection to the file, its own PostgreSQL pool. Closed when the test ends.
   */
  twin(store: StoreBackend): Promise<StoreBackend>;
}

/** What to undo when the test is done: stores to close, then databases to drop. */
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sqlite: BackendCase = {
  name: 'sqlite',
  async open() {
    const backend = sqliteBackend(openStore(join(tempHome(), 'vmx.db')));
    cleanups.push(() => backend.close());
    return backend;
  },
  async twin(store) {
    const backend = sqliteBackend(openStore(store.location));
    cleanups.push(() => backend.close());
    return backend;
  },
};

const postgres: BackendCase = {
  name: 'postgres',
  async open() {
    const database = await freshSchema();
    cleanups.push(database.drop);
    const backend = await openPostgresBackend(database.url, { maxConnections: 4 });
    cleanups.push(() => backend.close());
    return backend;
  },
  async twin(store) {
    const backend = await openPostgresBackend((store as PostgresBackend).connectionString, { maxConnections: 4 });
    cleanups.push(() => backend.close());
    return backend;
  },
};

/** SQLite always; PostgreSQL when VMX_TEST_DATABASE_URL names a server. */
export const backends: BackendCase[] = postgresUrl() ? [sqlite, postgres] : [sqlite];

/**
 * The same tests on every backend: `suite` runs once per backend in `backends`, and when PostgreSQL is
 * not given, one skipped line says so (npm test stays runnable without a server).
 */
export function describeEachBackend(title: string, suite: (backend: BackendCase) => void): void {
  describe.each(backends)(`$name backend: ${title}`, suite);
  if (!postgresUrl()) {
    describe.skip(`postgres backend: skipped, ${POSTGRES_SKIP_REASON}`, () => {
      it(title, () => undefined);
    });
  }
}

/** A workspace (owned by 'alice') with one environment, the scope most repositories need. */
export async function seedEnvironment(store: StoreBackend, workspaceName = 'acme', environmentName = 'dev') {
  const workspace = await store.workspaces.create({ name: workspaceName, user: 'alice' });
  const environment = await store.environments.create({
    workspaceId: workspace.id,
    workspaceName,
    name: environmentName,
    user: 'alice',
  });
  return { workspace, environment };
}

/** Expects `promise` to reject with exactly this kind of error and message (the same on every backend). */
export async function expectError(
  promise: Promise<unknown>,
  kind: abstract new (...args: never[]) => Error,
  message: string,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toBe(message);
}
