import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../../errors.js';
import type { Async } from '../../backend.js';
import { toMember, type MemberRepo, type MemberRow } from '../../repos/members.js';
import { atomically, guarded, isUniqueViolation, type Queryable } from '../queryable.js';
import type pg from 'pg';

/**
 * The member row of `user`, read under the workspace's row lock: role changes and removals of one
 * workspace take their turn, so two of them can never both see a second owner and leave none.
 */
async function lockedMember(client: pg.PoolClient, workspaceId: string, user: string, workspaceName: string) {
  await client.query('SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE', [workspaceId]);
  const { rows } = await client.query<MemberRow>('SELECT * FROM members WHERE workspace_id = $1 AND "user" = $2', [
    workspaceId,
    user,
  ]);
  if (!rows[0]) throw new NotFoundError(`'${user}' is not a member of workspace '${workspaceName}'`);
  return rows[0];
}

/** A workspace always keeps an owner: someone must be able to delete it and manage its members. */
async function keepAnOwner(client: pg.PoolClient, row: MemberRow, workspaceName: string): Promise<void> {
  if (row.role !== 'owner') return;
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*) AS n FROM members WHERE workspace_id = $1 AND role = 'owner'`,
    [row.workspace_id],
  );
  if (rows[0]!.n <= 1) {
    throw new ConflictError(
      `'${row.user}' is the last owner of workspace '${workspaceName}'`,
      'make another member owner first',
    );
  }
}

/** Workspace members on PostgreSQL; behaves as the SQLite MemberRepo. */
export function createPgMemberRepo(q: Queryable): Async<MemberRepo> {
  const one = async (workspaceId: string, user: string) => {
    const { rows } = await q.query<MemberRow>('SELECT * FROM members WHERE workspace_id = $1 AND "user" = $2', [
      workspaceId,
      user,
    ]);
    return rows[0] && toMember(rows[0]);
  };

  return {
    get: one,

    async list(workspaceId) {
      const { rows } = await q.query<MemberRow>(
        `SELECT * FROM members WHERE workspace_id = $1 ORDER BY role = 'member', "user" COLLATE "C"`,
        [workspaceId],
      );
      return rows.map(toMember);
    },

    async add(input) {
      try {
        const { rows } = await guarded<MemberRow>(
          q,
          `INSERT INTO members (id, workspace_id, "user", role, added_at, added_by)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
          [randomUUID(), input.workspaceId, input.user, input.role, new Date().toISOString(), input.by],
        );
        return toMember(rows[0]!);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError(`'${input.user}' is already a member of workspace '${input.workspaceName}'`);
        }
        throw error;
      }
    },

    async setRole(workspaceId, workspaceName, user, role) {
      return atomically(q, async (client) => {
        const row = await lockedMember(client, workspaceId, user, workspaceName);
        if (role !== 'owner') await keepAnOwner(client, row, workspaceName);
        const { rows } = await client.query<MemberRow>(
          'UPDATE members SET role = $1 WHERE workspace_id = $2 AND "user" = $3 RETURNING *',
          [role, workspaceId, user],
        );
        return toMember(rows[0]!);
      });
    },

    async remove(workspaceId, workspaceName, user) {
      await atomically(q, async (client) => {
        await keepAnOwner(client, await lockedMember(client, workspaceId, user, workspaceName), workspaceName);
        await client.query('DELETE FROM members WHERE workspace_id = $1 AND "user" = $2', [workspaceId, user]);
      });
    },
  };
}
