import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Async } from '../../backend.js';
import {
  checkPool,
  poolColumns,
  toPool,
  type Pool,
  type PoolInput,
  type PoolRepo,
  type PoolRow,
} from '../../repos/pools.js';
import { atomically, type Queryable } from '../queryable.js';

const LIST = 'SELECT * FROM pools WHERE environment_id = $1 ORDER BY rank, name COLLATE "C"';

/** Pools on PostgreSQL; behaves as the SQLite PoolRepo. */
export function createPgPoolRepo(q: Queryable): Async<PoolRepo> {
  return {
    async set(input) {
      return atomically(q, async (client) => {
        // The rules span every pool of the environment: one writer of them at a time (SQLite's write lock).
        await client.query('SELECT 1 FROM environments WHERE id = $1 FOR NO KEY UPDATE', [input.environmentId]);
        const pools = (await client.query<PoolRow>(LIST, [input.environmentId])).rows.map(toPool);
        const resources = await client.query<{ id: string; name: string }>(
          'SELECT id, name FROM resources WHERE environment_id = $1',
          [input.environmentId],
        );
        const existing = pools.find((p) => p.name === input.name);
        checkPool(
          input,
          pools.filter((p) => p !== existing),
          new Map(resources.rows.map((r) => [r.id, r.name])),
        );
        return toPool(await write(client, input, existing));
      });
    },

    /** The environment's pools, first served first: by rank, then name. */
    async list(environmentId) {
      return (await q.query<PoolRow>(LIST, [environmentId])).rows.map(toPool);
    },

    /** Finds a pool of the environment by id first, then by name. */
    async find(environmentId, ref) {
      const { rows } = await q.query<PoolRow>(
        `SELECT * FROM pools WHERE environment_id = $1 AND (id = $2 OR name = $2)
         ORDER BY id = $2 DESC LIMIT 1`,
        [environmentId, ref],
      );
      return rows[0] && toPool(rows[0]);
    },

    async delete(id) {
      await q.query('DELETE FROM pools WHERE id = $1', [id]);
    },

    /** Takes a deleted resource out of the environment's pools in one statement (the others keep their order). */
    async forgetResource(environmentId, resourceId) {
      await q.query('UPDATE pools SET resources = resources - $2::text WHERE environment_id = $1 AND resources ? $2', [
        environmentId,
        resourceId,
      ]);
    },
  };
}

/**
 * Inserts the pool, or updates the one of its name: two statements rather than an upsert, which
 * would fire the INSERT and the UPDATE triggers (two configuration versions for one change).
 */
async function write(client: pg.PoolClient, input: PoolInput, existing: Pool | undefined): Promise<PoolRow> {
  const c = poolColumns(input);
  const now = new Date().toISOString();
  const { rows } = existing
    ? await client.query<PoolRow>(
        `UPDATE pools SET rank = $2, min_pct = $3, max_pct = $4, resources = $5, updated_at = $6, updated_by = $7
         WHERE id = $1 RETURNING *`,
        [existing.id, c.rank, c.min, c.max, c.resources, now, c.user],
      )
    : await client.query<PoolRow>(
        `INSERT INTO pools (id, environment_id, name, rank, min_pct, max_pct, resources,
                            created_at, updated_at, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $9) RETURNING *`,
        [randomUUID(), c.environmentId, c.name, c.rank, c.min, c.max, c.resources, now, c.user],
      );
  return rows[0]!;
}
