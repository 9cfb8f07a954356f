import type { Async } from '../../backend.js';
import type { SpaceRepo } from '../../repos/space.js';
import type { Queryable } from '../queryable.js';

/** The tables retention deletes from: the ones whose freed room a vacuum makes reusable. */
export const HISTORY_TABLES = ['usage', 'usage_hourly', 'audit'] as const;

/** Tables, their indexes and out-of-line values, in the schema the store lives in. */
const SIZE_SQL = `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c
  WHERE c.relkind IN ('r', 'p') AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
    AND ($1::text[] IS NULL OR c.relname = ANY($1))`;

/**
 * How much room the store takes in PostgreSQL, and vacuuming. PostgreSQL keeps no free list to give
 * back a few pages at a time: rows deleted by retention leave room that VACUUM (run by the server's
 * autovacuum, and by the daemon after a retention pass) makes reusable, and only empty pages at a
 * table's end go back to the file system. So there is never anything to convert or to checkpoint here.
 */
export function createPgSpaceRepo(q: Queryable): Async<SpaceRepo> & {
  tablesBytes(tables?: readonly string[]): Promise<number>;
} {
  const tablesBytes = async (tables?: readonly string[]) =>
    Number((await q.query<{ bytes: string }>(SIZE_SQL, [tables ?? null])).rows[0]!.bytes);
  return {
    /** The store's tables with their indexes, in bytes (not the whole database: it may hold more than vmx). */
    sizeBytes: () => tablesBytes(),
    tablesBytes,
    /** Nothing waits to be given back page by page on PostgreSQL. */
    freePages: async () => 0,
    /** Nothing to convert: PostgreSQL reuses freed room by itself. */
    incremental: async () => true,
    /**
     * VACUUM (ANALYZE) of the tables retention deletes from; returns 0 (nothing left to give back).
     * Not inside a transaction: PostgreSQL refuses VACUUM there.
     */
    async vacuumStep() {
      await q.query(`VACUUM (ANALYZE) ${HISTORY_TABLES.join(', ')}`);
      return 0;
    },
    enableIncremental: async () => undefined,
    /** The server checkpoints by itself (and CHECKPOINT needs a privileged role). */
    checkpoint: async () => undefined,
  };
}
