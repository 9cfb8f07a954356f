import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../../errors.js';
import type { Async } from '../../backend.js';
import { toApiKey, type ApiKeyRepo, type ApiKeyRow } from '../../repos/api-keys.js';
import { toJson } from '../../rows.js';
import { guarded, isUniqueViolation, type Queryable } from '../queryable.js';

type Repo = Async<ApiKeyRepo>;

/** API keys on PostgreSQL; behaves as the SQLite ApiKeyRepo. */
export function createPgApiKeyRepo(q: Queryable): Repo {
  return { ...reads(q), ...writes(q) };
}

function writes(q: Queryable): Pick<Repo, 'create' | 'setEnabled' | 'forgetResource' | 'delete'> {
  return {
    async create(input) {
      try {
        const { rows } = await guarded<ApiKeyRow>(
          q,
          `INSERT INTO api_keys (id, environment_id, name, description, key_hash, masked_key, resources, capacity,
                                 enabled, expires_at, allow_overrides, created_at, updated_at, created_by, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $11, $11, $12, $12) RETURNING *`,
          [
            randomUUID(),
            input.environmentId,
            input.name,
            input.description ?? null,
            input.keyHash,
            input.maskedKey,
            toJson(input.resources),
            toJson(input.capacity),
            input.expiresAt,
            input.allowOverrides ? 1 : 0,
            new Date().toISOString(),
            input.user,
          ],
        );
        return toApiKey(rows[0]!);
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`API key '${input.name}' already exists in this environment`);
        throw error;
      }
    },

    async setEnabled(key, enabled, user) {
      const { rows } = await q.query<ApiKeyRow>(
        'UPDATE api_keys SET enabled = $1, updated_at = $2, updated_by = $3 WHERE id = $4 RETURNING *',
        [enabled ? 1 : 0, new Date().toISOString(), user, key.id],
      );
      if (!rows[0]) throw new NotFoundError(`API key '${key.name}' not found`);
      return toApiKey(rows[0]);
    },

    /**
     * Takes a deleted resource out of every allow-list of its environment (a list may become empty:
     * no access), in one statement, keeping the order of the ids that stay.
     */
    async forgetResource(environmentId, resourceId) {
      await q.query(
        `UPDATE api_keys SET resources = (
           SELECT coalesce(json_agg(e.id ORDER BY e.n), '[]'::json)::text
           FROM json_array_elements_text(resources::json) WITH ORDINALITY AS e(id, n) WHERE e.id <> $2)
         WHERE environment_id = $1 AND resources IS NOT NULL AND resources::jsonb ? $2`,
        [environmentId, resourceId],
      );
    },

    async delete(id) {
      await q.query('DELETE FROM api_keys WHERE id = $1', [id]);
    },
  };
}

function reads(q: Queryable): Pick<Repo, 'find' | 'list' | 'listWithHashes'> {
  return {
    /** Finds a key of the environment by id first, then by name. */
    async find(environmentId, ref) {
      const { rows } = await q.query<ApiKeyRow>(
        `SELECT * FROM api_keys WHERE environment_id = $1 AND (id = $2 OR name = $2)
         ORDER BY id = $2 DESC LIMIT 1`,
        [environmentId, ref],
      );
      return rows[0] && toApiKey(rows[0]);
    },

    async list(environmentId) {
      const { rows } = await q.query<ApiKeyRow>(
        'SELECT * FROM api_keys WHERE environment_id = $1 ORDER BY name COLLATE "C"',
        [environmentId],
      );
      return rows.map(toApiKey);
    },

    /** Every key with its hash, for the daemon's in-memory lookup table. */
    async listWithHashes() {
      const { rows } = await q.query<ApiKeyRow>('SELECT * FROM api_keys');
      return rows.map((row) => ({ ...toApiKey(row), keyHash: row.key_hash }));
    },
  };
}
