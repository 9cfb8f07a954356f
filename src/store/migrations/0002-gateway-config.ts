import type { Database } from 'better-sqlite3';

/**
 * What a user configures before traffic flows: connections, resources and API keys, all scoped to an
 * environment. JSON columns hold structures that are always read whole (config, capacity, routing).
 * Provider secrets are not here: they live in the keychain, keyed by connection id.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE connections (
      id                  TEXT PRIMARY KEY,
      environment_id      TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
      name                TEXT NOT NULL,
      description         TEXT,
      provider            TEXT NOT NULL,
      config              TEXT NOT NULL DEFAULT '{}',
      capacity            TEXT NOT NULL DEFAULT '[]',
      discovered_capacity TEXT NOT NULL DEFAULT '{}',
      created_at          TEXT NOT NULL,
      updated_at          TEXT NOT NULL,
      created_by          TEXT NOT NULL,
      updated_by          TEXT NOT NULL,
      UNIQUE (environment_id, name)
    );

    CREATE TABLE resources (
      id               TEXT PRIMARY KEY,
      environment_id   TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
      name             TEXT NOT NULL,
      description      TEXT,
      model            TEXT NOT NULL,
      fallback_models  TEXT NOT NULL DEFAULT '[]',
      use_fallback     INTEGER NOT NULL DEFAULT 1,
      secondary_models TEXT NOT NULL DEFAULT '[]',
      routing          TEXT,
      capacity         TEXT NOT NULL DEFAULT '[]',
      enforce_capacity INTEGER NOT NULL DEFAULT 0,
      created_at       TEXT NOT NULL,
      updated_at       TEXT NOT NULL,
      created_by       TEXT NOT NULL,
      updated_by       TEXT NOT NULL,
      UNIQUE (environment_id, name)
    );

    CREATE TABLE api_keys (
      id             TEXT PRIMARY KEY,
      environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
      name           TEXT NOT NULL,
      description    TEXT,
      key_hash       TEXT NOT NULL UNIQUE,
      masked_key     TEXT NOT NULL,
      resources      TEXT,
      capacity       TEXT NOT NULL DEFAULT '[]',
      enabled        INTEGER NOT NULL DEFAULT 1,
      expires_at     TEXT,
      created_at     TEXT NOT NULL,
      updated_at     TEXT NOT NULL,
      created_by     TEXT NOT NULL,
      updated_by     TEXT NOT NULL,
      UNIQUE (environment_id, name)
    );
  `);
}
