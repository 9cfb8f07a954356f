import type { Database } from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../errors.js';
import { stamps, type StampColumns, type Stamps } from '../rows.js';
import { isUniqueViolation } from '../sqlite-errors.js';

export interface Environment extends Stamps {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
}

export interface EnvironmentRow extends StampColumns {
  id: string;
  workspace_id: string;
  name: string;
  description: string | null;
}

export const toEnvironment = (row: EnvironmentRow): Environment => ({
  id: row.id,
  workspaceId: row.workspace_id,
  name: row.name,
  description: row.description,
  ...stamps(row),
});

export function createEnvironmentRepo(db: Database): EnvironmentRepo {
  return new EnvironmentRepo(db);
}

function statements(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO environments (id, workspace_id, name, description, created_at, updated_at, created_by, updated_by)
       VALUES (@id, @workspaceId, @name, @description, @now, @now, @user, @user)`,
    ),
    byId: db.prepare<[string, string], EnvironmentRow>('SELECT * FROM environments WHERE workspace_id = ? AND id = ?'),
    byName: db.prepare<[string, string], EnvironmentRow>(
      'SELECT * FROM environments WHERE workspace_id = ? AND name = ?',
    ),
    all: db.prepare<[string], EnvironmentRow>('SELECT * FROM environments WHERE workspace_id = ? ORDER BY name'),
    update: db.prepare(
      `UPDATE environments SET name = @name, description = @description, updated_at = @now, updated_by = @user
       WHERE id = @id`,
    ),
    everything: db.prepare<[], EnvironmentRow>('SELECT * FROM environments'),
    remove: db.prepare('DELETE FROM environments WHERE id = ?'),
  };
}

const conflict = (name: string, workspaceName: string) =>
  new ConflictError(`environment '${name}' already exists in workspace '${workspaceName}'`);

export class EnvironmentRepo {
  private readonly sql: ReturnType<typeof statements>;

  constructor(private readonly db: Database) {
    this.sql = statements(db);
  }

  create(input: {
    workspaceId: string;
    workspaceName: string;
    name: string;
    description?: string | null;
    user: string;
  }): Environment {
    const id = crypto.randomUUID();
    try {
      this.sql.insert.run({
        id,
        workspaceId: input.workspaceId,
        name: input.name,
        description: input.description ?? null,
        now: new Date().toISOString(),
        user: input.user,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(input.name, input.workspaceName);
      throw error;
    }
    return toEnvironment(this.sql.byId.get(input.workspaceId, id)!);
  }

  /** Finds an environment of the workspace by id first, then by name. */
  find(workspaceId: string, ref: string): Environment | undefined {
    const row = this.sql.byId.get(workspaceId, ref) ?? this.sql.byName.get(workspaceId, ref);
    return row && toEnvironment(row);
  }

  /** Every environment, for the daemon's in-memory configuration. */
  all(): Environment[] {
    return this.sql.everything.all().map(toEnvironment);
  }

  list(workspaceId: string): Environment[] {
    return this.sql.all.all(workspaceId).map(toEnvironment);
  }

  /**
   * Renames and/or re-describes the environment. The row is read again inside one IMMEDIATE
   * transaction and only what `change` names is written, so an edit of another field made since
   * `environment` was read is kept (DESIGN.md "Live config").
   */
  update(
    environment: Environment,
    workspaceName: string,
    change: { name?: string; description?: string | null },
    user: string,
  ): Environment {
    const { byId, update } = this.sql;
    return this.db
      .transaction(() => {
        const current = byId.get(environment.workspaceId, environment.id);
        if (!current)
          throw new NotFoundError(`environment '${environment.name}' not found in workspace '${workspaceName}'`);
        const name = change.name ?? current.name;
        const description = change.description === undefined ? current.description : change.description;
        try {
          update.run({ id: environment.id, name, description, now: new Date().toISOString(), user });
        } catch (error) {
          if (isUniqueViolation(error)) throw conflict(name, workspaceName);
          throw error;
        }
        return toEnvironment(byId.get(environment.workspaceId, environment.id)!);
      })
      .immediate();
  }

  /** Deletes the environment and, by cascade, everything scoped to it. */
  delete(id: string): void {
    this.sql.remove.run(id);
  }
}
