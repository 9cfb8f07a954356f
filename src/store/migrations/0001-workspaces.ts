import type { Database } from 'better-sqlite3';

/** Workspaces, their members and their environments. */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE workspaces (
      id          TEXT PRIMARY KEY,
      name        TEXT NOT NULL UNIQUE,
      description TEXT,
      created_at  TEXT NOT NULL,
      updated_at  TEXT NOT NULL,
      created_by  TEXT NOT NULL,
      updated_by  TEXT NOT NULL
    );

    CREATE TABLE members (
      id           TEXT PRIMARY KEY,
      workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      user         TEXT NOT NULL,
      role         TEXT NOT NULL CHECK (role IN ('owner', 'member')),
      added_at     TEXT NOT NULL,
      added_by     TEXT NOT NULL,
      UNIQUE (workspace_id, user)
    );
    CREATE INDEX members_by_user ON members(user);

    CREATE TABLE environments (
      id           TEXT PRIMARY KEY,
      workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      name         TEXT NOT NULL,
      description  TEXT,
      created_at   TEXT NOT NULL,
      updated_at   TEXT NOT NULL,
      created_by   TEXT NOT NULL,
      updated_by   TEXT NOT NULL,
      UNIQUE (workspace_id, name)
    );
  `);
}
