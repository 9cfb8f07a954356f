import type { Database } from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../errors.js';
import { stamps, type StampColumns, type Stamps } from '../rows.js';
import { isUniqueViolation } from '../sqlite-errors.js';
import type { Role } from './members.js';

export interface Workspace extends Stamps {
  id: string;
  name: string;
  description: string | null;
}

/** A workspace as one of its members sees it. */
export interface MemberWorkspace extends Workspace {
  role: Role;
}

export interface WorkspaceRow extends StampColumns {
  id: string;
  name: string;
  description: string | null;
}

export const toWorkspace = (row: WorkspaceRow): Workspace => ({
  id: row.id,
  name: row.name,
  description: row.description,
  ...stamps(row),
});

export function createWorkspaceRepo(db: Database): WorkspaceRepo {
  return new WorkspaceRepo(db);
}

function statements(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO workspaces (id, name, description, created_at, updated_at, created_by, updated_by)
       VALUES (@id, @name, @description, @now, @now, @user, @user)`,
    ),
    insertOwner: db.prepare(
      `INSERT INTO members (id, workspace_id, user, role, added_at, added_by)
       VALUES (?, ?, ?, 'owner', ?, ?)`,
    ),
    byId: db.prepare<[string], WorkspaceRow>('SELECT * FROM workspaces WHERE id = ?'),
    byName: db.prepare<[string], WorkspaceRow>('SELECT * FROM workspaces WHERE name = ?'),
    forUser: db.prepare<[string], WorkspaceRow & { role: Role }>(
      `SELECT w.*, m.role FROM workspaces w JOIN members m ON m.workspace_id = w.id
       WHERE m.user = ? ORDER BY w.name`,
    ),
    update: db.prepare(
      `UPDATE workspaces SET name = @name, description = @description, updated_at = @now, updated_by = @user
       WHERE id = @id`,
    ),
    everything: db.prepare<[], WorkspaceRow>('SELECT * FROM workspaces'),
    anyRow: db.prepare<[], { id: string }>('SELECT id FROM workspaces LIMIT 1'),
    remove: db.prepare('DELETE FROM workspaces WHERE id = ?'),
  };
}

const conflict = (name: string) => new ConflictError(`workspace '${name}' already exists`);

export class WorkspaceRepo {
  private readonly sql: ReturnType<typeof statements>;

  constructor(private readonly db: Database) {
    this.sql = statements(db);
  }

  /** Creates the workspace and makes `user` its owner, in one transaction. */
  create(input: { name: string; description?: string | null; user: string }): Workspace {
    const { insert, insertOwner } = this.sql;
    const id = crypto.randomUUID();
    const now = new Date().toISOString();
    try {
      this.db
        .transaction(() => {
          insert.run({ id, name: input.name, description: input.description ?? null, now, user: input.user });
          insertOwner.run(crypto.randomUUID(), id, input.user, now, input.user);
        })
        .immediate();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(input.name);
      throw error;
    }
    return toWorkspace(this.sql.byId.get(id)!);
  }

  /** Finds a workspace by id first, then by name. */
  find(ref: string): Workspace | undefined {
    const row = this.sql.byId.get(ref) ?? this.sql.byName.get(ref);
    return row && toWorkspace(row);
  }

  /** Every workspace, for the daemon's in-memory configuration. */
  all(): Workspace[] {
    return this.sql.everything.all().map(toWorkspace);
  }

  listForUser(user: string): MemberWorkspace[] {
    return this.sql.forUser.all(user).map((row) => ({ ...toWorkspace(row), role: row.role }));
  }

  /**
   * Renames and/or re-describes the workspace. The row is read again inside one IMMEDIATE
   * transaction and only what `change` names is written, so an edit of another field made since
   * `workspace` was read is kept (DESIGN.md "Live config").
   */
  update(workspace: Workspace, change: { name?: string; description?: string | null }, user: string): Workspace {
    const { byId, update } = this.sql;
    const id = workspace.id;
    return this.db
      .transaction(() => {
        const current = byId.get(id);
        if (!current) throw new NotFoundError(`workspace '${workspace.name}' not found`);
        const name = change.name ?? current.name;
        const description = change.description === undefined ? current.description : change.description;
        try {
          update.run({ id, name, description, now: new Date().toISOString(), user });
        } catch (error) {
          if (isUniqueViolation(error)) throw conflict(name);
          throw error;
        }
        return toWorkspace(byId.get(id)!);
      })
      .immediate();
  }

  /** Whether the store has any workspace yet. */
  any(): boolean {
    return this.sql.anyRow.get() !== undefined;
  }

  /** Deletes the workspace; members and environments (and everything below them) go by cascade. */
  delete(id: string): void {
    this.sql.remove.run(id);
  }
}
