import pg from 'pg';

/**
 * What a PostgreSQL repository runs its queries on: the backend's pool (each statement commits on
 * its own) or the one client of a transaction that {@link StoreBackend.transaction} opened (every
 * statement is part of that transaction). A transaction's repositories must be used one call at a
 * time: they share one connection.
 */
export type Queryable = pg.Pool | pg.PoolClient;

/** True when `q` is a transaction's client rather than the pool. */
export const inTransaction = (q: Queryable): q is pg.PoolClient => !(q instanceof pg.Pool);

/** SQLSTATE of a UNIQUE or PRIMARY KEY violation. */
export const UNIQUE_VIOLATION = '23505';

/** True when PostgreSQL refused a write for a UNIQUE (or PRIMARY KEY) constraint. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
}

/**
 * Runs `fn` atomically. On the pool: a transaction of its own on one client (BEGIN … COMMIT, ROLLBACK
 * when `fn` throws). Inside a transaction: a savepoint, so that a failure `fn` reports as a typed
 * error (a duplicate name) undoes only `fn`'s statements and leaves the transaction usable, as a
 * failed statement does on SQLite.
 */
export async function atomically<T>(q: Queryable, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  if (inTransaction(q)) return inSavepoint(q, fn);
  const client = await q.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

async function inSavepoint<T>(client: pg.PoolClient, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  await client.query('SAVEPOINT vmx_step');
  try {
    const result = await fn(client);
    await client.query('RELEASE SAVEPOINT vmx_step');
    return result;
  } catch (error) {
    // When even this fails the connection is gone, and the transaction's COMMIT will say so.
    await client.query('ROLLBACK TO SAVEPOINT vmx_step; RELEASE SAVEPOINT vmx_step').catch(() => undefined);
    throw error;
  }
}

/**
 * One statement whose failure the caller turns into a typed error (a unique violation into a
 * ConflictError): inside a transaction it runs in a savepoint, so the transaction survives it.
 */
export async function guarded<R extends pg.QueryResultRow = pg.QueryResultRow>(
  q: Queryable,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  if (!inTransaction(q)) return q.query<R>(text, values);
  return inSavepoint(q, (client) => client.query<R>(text, values));
}
