import type { Database } from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../errors.js';
import { isUniqueViolation } from '../sqlite-errors.js';

export const roles = ['owner', 'member'] as const;
export type Role = (typeof roles)[number];

export interface Member {
  id: string;
  workspaceId: string;
  user: string;
  role: Role;
  addedAt: string;
  addedBy: string;
}

export interface MemberRow {
  id: string;
  workspace_id: string;
  user: string;
  role: Role;
  added_at: string;
  added_by: string;
}

export const toMember = (row: MemberRow): Member => ({
  id: row.id,
  workspaceId: row.workspace_id,
  user: row.user,
  role: row.role,
  addedAt: row.added_at,
  addedBy: row.added_by,
});

export type MemberRepo = ReturnType<typeof createMemberRepo>;

export function createMemberRepo(db: Database) {
  const insert = db.prepare(
    `INSERT INTO members (id, workspace_id, user, role, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const one = db.prepare<[string, string], MemberRow>('SELECT * FROM members WHERE workspace_id = ? AND user = ?');
  const all = db.prepare<[string], MemberRow>(
    `SELECT * FROM members WHERE workspace_id = ? ORDER BY role = 'member', user`,
  );
  const owners = db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM members WHERE workspace_id = ? AND role = 'owner'`,
  );
  const setRole = db.prepare('UPDATE members SET role = ? WHERE workspace_id = ? AND user = ?');
  const remove = db.prepare('DELETE FROM members WHERE workspace_id = ? AND user = ?');

  const existing = (workspaceId: string, user: string, workspaceName: string): MemberRow => {
    const row = one.get(workspaceId, user);
    if (!row) throw new NotFoundError(`'${user}' is not a member of workspace '${workspaceName}'`);
    return row;
  };
  /** A workspace always keeps an owner: someone must be able to delete it and manage its members. */
  const keepAnOwner = (row: MemberRow, workspaceName: string) => {
    if (row.role === 'owner' && owners.get(row.workspace_id)!.n <= 1) {
      throw new ConflictError(
        `'${row.user}' is the last owner of workspace '${workspaceName}'`,
        'make another member owner first',
      );
    }
  };

  return {
    /** The member row of `user`, if they belong to the workspace. */
    get(workspaceId: string, user: string): Member | undefined {
      const row = one.get(workspaceId, user);
      return row && toMember(row);
    },

    list(workspaceId: string): Member[] {
      return all.all(workspaceId).map(toMember);
    },

    add(input: { workspaceId: string; workspaceName: string; user: string; role: Role; by: string }): Member {
      try {
        insert.run(crypto.randomUUID(), input.workspaceId, input.user, input.role, new Date().toISOString(), input.by);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError(`'${input.user}' is already a member of workspace '${input.workspaceName}'`);
        }
        throw error;
      }
      return toMember(one.get(input.workspaceId, input.user)!);
    },

    setRole(workspaceId: string, workspaceName: string, user: string, role: Role): Member {
      return db
        .transaction(() => {
          const row = existing(workspaceId, user, workspaceName);
          if (role !== 'owner') keepAnOwner(row, workspaceName);
          setRole.run(role, workspaceId, user);
          return toMember(one.get(workspaceId, user)!);
        })
        .immediate();
    },

    remove(workspaceId: string, workspaceName: string, user: string): void {
      db.transaction(() => {
        keepAnOwner(existing(workspaceId, user, workspaceName), workspaceName);
        remove.run(workspaceId, user);
      }).immediate();
    },
  };
}
