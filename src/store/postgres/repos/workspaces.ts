import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../../errors.js';
import type { Async } from '../../backend.js';
import type { Role } from '../../repos/members.js';
import { toWorkspace, type WorkspaceRepo, type WorkspaceRow } from '../../repos/workspaces.js';
import { atomically, guarded, isUniqueViolation, type Queryable } from '../queryable.js';

const conflict = (name: string) => new ConflictError(`workspace '${name}' already exists`);

type Repo = Async<WorkspaceRepo>;

/** Workspaces on PostgreSQL; behaves as the SQLite WorkspaceRepo. */
export function createPgWorkspaceRepo(q: Queryable): Repo {
  return { ...reads(q), ...writes(q) };
}

function writes(q: Queryable): Pick<Repo, 'create' | 'update' | 'delete'> {
  return {
    /** Creates the workspace and makes `user` its owner, in one transaction. */
    async create(input) {
      const id = randomUUID();
      const now = new Date().toISOString();
      try {
        return await atomically(q, async (client) => {
          const { rows } = await client.query<WorkspaceRow>(
            `INSERT INTO workspaces (id, name, description, created_at, updated_at, created_by, updated_by)
             VALUES ($1, $2, $3, $4, $4, $5, $5) RETURNING *`,
            [id, input.name, input.description ?? null, now, input.user],
          );
          await client.query(
            `INSERT INTO members (id, workspace_id, "user", role, added_at, added_by)
             VALUES ($1, $2, $3, 'owner', $4, $3)`,
            [randomUUID(), id, input.user, now],
          );
          return toWorkspace(rows[0]!);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(input.name);
        throw error;
      }
    },

    /** Writes only what `change` names, in one statement, so a concurrent edit of another field is kept. */
    async update(workspace, change, user) {
      try {
        const { rows } = await guarded<WorkspaceRow>(
          q,
          `UPDATE workspaces SET name = coalesce($2, name),
                  description = CASE WHEN $3 THEN $4 ELSE description END, updated_at = $5, updated_by = $6
           WHERE id = $1 RETURNING *`,
          [
            workspace.id,
            change.name ?? null,
            change.description !== undefined,
            change.description ?? null,
            new Date().toISOString(),
            user,
          ],
        );
        if (!rows[0]) throw new NotFoundError(`workspace '${workspace.name}' not found`);
        return toWorkspace(rows[0]);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(change.name ?? workspace.name);
        throw error;
      }
    },

    /** Deletes the workspace; members and environments (and everything below them) go by cascade. */
    async delete(id) {
      await q.query('DELETE FROM workspaces WHERE id = $1', [id]);
    },
  };
}

function reads(q: Queryable): Pick<Repo, 'find' | 'all' | 'listForUser' | 'any'> {
  return {
    /** Finds a workspace by id first, then by name. */
    async find(ref) {
      const { rows } = await q.query<WorkspaceRow>(
        'SELECT * FROM workspaces WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1',
        [ref],
      );
      return rows[0] && toWorkspace(rows[0]);
    },

    async all() {
      const { rows } = await q.query<WorkspaceRow>('SELECT * FROM workspaces');
      return rows.map(toWorkspace);
    },

    async listForUser(user) {
      const { rows } = await q.query<WorkspaceRow & { role: Role }>(
        `SELECT w.*, m.role FROM workspaces w JOIN members m ON m.workspace_id = w.id
         WHERE m."user" = $1 ORDER BY w.name COLLATE "C"`,
        [user],
      );
      return rows.map((row) => ({ ...toWorkspace(row), role: row.role }));
    },

    async any() {
      const { rows } = await q.query('SELECT 1 FROM workspaces LIMIT 1');
      return rows.length > 0;
    },
  };
}
