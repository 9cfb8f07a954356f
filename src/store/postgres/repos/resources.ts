import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../../errors.js';
import type { Async } from '../../backend.js';
import {
  resourceColumns,
  toResource,
  type ResourceFields,
  type ResourceRepo,
  type ResourceRow,
} from '../../repos/resources.js';
import { guarded, isUniqueViolation, type Queryable } from '../queryable.js';

/** The stored columns of a resource's fields, in the order of the statements' parameters $3…$11. */
const values = (fields: ResourceFields) => {
  const c = resourceColumns(fields);
  return [
    c.name,
    c.description,
    c.model,
    c.fallbackModels,
    c.useFallback,
    c.secondaryModels,
    c.routing,
    c.capacity,
    c.enforceCapacity,
  ];
};

/** Resources on PostgreSQL; behaves as the SQLite ResourceRepo. */
export function createPgResourceRepo(q: Queryable): Async<ResourceRepo> {
  const write = async (text: string, params: unknown[], name: string) => {
    try {
      return (await guarded<ResourceRow>(q, text, params)).rows[0];
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`resource '${name}' already exists in this environment`);
      throw error;
    }
  };

  return {
    async create(environmentId, fields, user) {
      const row = await write(
        `INSERT INTO resources (id, environment_id, name, description, model, fallback_models, use_fallback,
                                secondary_models, routing, capacity, enforce_capacity,
                                created_at, updated_at, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $13) RETURNING *`,
        [randomUUID(), environmentId, ...values(fields), new Date().toISOString(), user],
        fields.name,
      );
      return toResource(row!);
    },

    /** Finds a resource of the environment by id first, then by name. */
    async find(environmentId, ref) {
      const { rows } = await q.query<ResourceRow>(
        `SELECT * FROM resources WHERE environment_id = $1 AND (id = $2 OR name = $2)
         ORDER BY id = $2 DESC LIMIT 1`,
        [environmentId, ref],
      );
      return rows[0] && toResource(rows[0]);
    },

    async list(environmentId) {
      const { rows } = await q.query<ResourceRow>(
        'SELECT * FROM resources WHERE environment_id = $1 ORDER BY name COLLATE "C"',
        [environmentId],
      );
      return rows.map(toResource);
    },

    async update(resource, fields, user) {
      const row = await write(
        `UPDATE resources SET name = $3, description = $4, model = $5, fallback_models = $6, use_fallback = $7,
                secondary_models = $8, routing = $9, capacity = $10, enforce_capacity = $11,
                updated_at = $12, updated_by = $13
         WHERE id = $1 AND environment_id = $2 RETURNING *`,
        [resource.id, resource.environmentId, ...values(fields), new Date().toISOString(), user],
        fields.name,
      );
      if (!row) throw new NotFoundError(`resource '${resource.name}' not found`);
      return toResource(row);
    },

    async delete(id) {
      await q.query('DELETE FROM resources WHERE id = $1', [id]);
    },
  };
}
