import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../../errors.js';
import type { Async } from '../../backend.js';
import { toEnvironment, type EnvironmentRepo, type EnvironmentRow } from '../../repos/environments.js';
import { guarded, isUniqueViolation, type Queryable } from '../queryable.js';

const conflict = (name: string, workspaceName: string) =>
  new ConflictError(`environment '${name}' already exists in workspace '${workspaceName}'`);

/** Environments on PostgreSQL; behaves as the SQLite EnvironmentRepo. */
export function createPgEnvironmentRepo(q: Queryable): Async<EnvironmentRepo> {
  return {
    async create(input) {
      const now = new Date().toISOString();
      try {
        const { rows } = await guarded<EnvironmentRow>(
          q,
          `INSERT INTO environments (id, workspace_id, name, description, created_at, updated_at, created_by, updated_by)
           VALUES ($1, $2, $3, $4, $5, $5, $6, $6) RETURNING *`,
          [randomUUID(), input.workspaceId, input.name, input.description ?? null, now, input.user],
        );
        return toEnvironment(rows[0]!);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(input.name, input.workspaceName);
        throw error;
      }
    },

    /** Finds an environment of the workspace by id first, then by name. */
    async find(workspaceId, ref) {
      const { rows } = await q.query<EnvironmentRow>(
        `SELECT * FROM environments WHERE workspace_id = $1 AND (id = $2 OR name = $2)
         ORDER BY id = $2 DESC LIMIT 1`,
        [workspaceId, ref],
      );
      return rows[0] && toEnvironment(rows[0]);
    },

    async all() {
      const { rows } = await q.query<EnvironmentRow>('SELECT * FROM environments');
      return rows.map(toEnvironment);
    },

    async list(workspaceId) {
      const { rows } = await q.query<EnvironmentRow>(
        'SELECT * FROM environments WHERE workspace_id = $1 ORDER BY name COLLATE "C"',
        [workspaceId],
      );
      return rows.map(toEnvironment);
    },

    /** Writes only what `change` names, in one statement, so a concurrent edit of another field is kept. */
    async update(environment, workspaceName, change, user) {
      try {
        const { rows } = await guarded<EnvironmentRow>(
          q,
          `UPDATE environments SET name = coalesce($3, name),
                  description = CASE WHEN $4 THEN $5 ELSE description END, updated_at = $6, updated_by = $7
           WHERE workspace_id = $1 AND id = $2 RETURNING *`,
          [
            environment.workspaceId,
            environment.id,
            change.name ?? null,
            change.description !== undefined,
            change.description ?? null,
            new Date().toISOString(),
            user,
          ],
        );
        if (!rows[0]) {
          throw new NotFoundError(`environment '${environment.name}' not found in workspace '${workspaceName}'`);
        }
        return toEnvironment(rows[0]);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(change.name ?? environment.name, workspaceName);
        throw error;
      }
    },

    /** Deletes the environment and, by cascade, everything scoped to it. */
    async delete(id) {
      await q.query('DELETE FROM environments WHERE id = $1', [id]);
    },
  };
}
