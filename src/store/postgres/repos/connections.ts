import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../../errors.js';
import type { Async } from '../../backend.js';
import { toConnection, type ConnectionRepo, type ConnectionRow } from '../../repos/connections.js';
import { toJson } from '../../rows.js';
import { guarded, isUniqueViolation, type Queryable } from '../queryable.js';

const conflict = (name: string) => new ConflictError(`connection '${name}' already exists in this environment`);

type Repo = Async<ConnectionRepo>;

/** Connections on PostgreSQL; behaves as the SQLite ConnectionRepo. */
export function createPgConnectionRepo(q: Queryable): Repo {
  return { ...reads(q), ...writes(q) };
}

function writes(q: Queryable): Pick<Repo, 'create' | 'update' | 'setDiscoveredCapacity' | 'delete'> {
  return {
    async create(input) {
      const now = new Date().toISOString();
      try {
        const { rows } = await guarded<ConnectionRow>(
          q,
          `INSERT INTO connections (id, environment_id, name, description, provider, config, capacity, prices,
                                    created_at, updated_at, created_by, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $10) RETURNING *`,
          [
            randomUUID(),
            input.environmentId,
            input.name,
            input.description ?? null,
            input.provider,
            toJson(input.config),
            toJson(input.capacity),
            toJson(input.prices ?? []),
            now,
            input.user,
          ],
        );
        return toConnection(rows[0]!);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(input.name);
        throw error;
      }
    },

    /** Writes the fields of `change` that are not undefined, and only those. */
    async update(connection, change, user) {
      try {
        const { rows } = await guarded<ConnectionRow>(
          q,
          `UPDATE connections SET name = coalesce($2, name), description = CASE WHEN $3 THEN $4 ELSE description END,
                  config = coalesce($5, config), capacity = coalesce($6, capacity), prices = coalesce($7, prices),
                  updated_at = $8, updated_by = $9
           WHERE id = $1 RETURNING *`,
          [
            connection.id,
            change.name ?? null,
            change.description !== undefined,
            change.description ?? null,
            toJson(change.config),
            toJson(change.capacity),
            toJson(change.prices),
            new Date().toISOString(),
            user,
          ],
        );
        if (!rows[0]) throw new NotFoundError(`connection '${connection.name}' not found`);
        return toConnection(rows[0]);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(change.name ?? connection.name);
        throw error;
      }
    },

    async setDiscoveredCapacity(id, discovered) {
      await q.query('UPDATE connections SET discovered_capacity = $1 WHERE id = $2', [toJson(discovered), id]);
    },

    async delete(id) {
      await q.query('DELETE FROM connections WHERE id = $1', [id]);
    },
  };
}

function reads(q: Queryable): Pick<Repo, 'get' | 'find' | 'list' | 'idsInWorkspace' | 'idsInEnvironment'> {
  const ids = async (text: string, value: string) =>
    (await q.query<{ id: string }>(text, [value])).rows.map((r) => r.id);

  return {
    async get(id) {
      const { rows } = await q.query<ConnectionRow>('SELECT * FROM connections WHERE id = $1', [id]);
      return rows[0] && toConnection(rows[0]);
    },

    /** Finds a connection of the environment by id first, then by name. */
    async find(environmentId, ref) {
      const { rows } = await q.query<ConnectionRow>(
        `SELECT * FROM connections WHERE environment_id = $1 AND (id = $2 OR name = $2)
         ORDER BY id = $2 DESC LIMIT 1`,
        [environmentId, ref],
      );
      return rows[0] && toConnection(rows[0]);
    },

    async list(environmentId) {
      const { rows } = await q.query<ConnectionRow>(
        'SELECT * FROM connections WHERE environment_id = $1 ORDER BY name COLLATE "C"',
        [environmentId],
      );
      return rows.map(toConnection);
    },

    /** Ids of every connection below a workspace or environment: their secrets go when it goes. */
    idsInWorkspace: (workspaceId) =>
      ids(
        'SELECT c.id FROM connections c JOIN environments e ON e.id = c.environment_id WHERE e.workspace_id = $1',
        workspaceId,
      ),

    idsInEnvironment: (environmentId) => ids('SELECT id FROM connections WHERE environment_id = $1', environmentId),
  };
}
