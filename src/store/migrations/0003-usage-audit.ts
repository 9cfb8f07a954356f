import type { Database } from 'better-sqlite3';

/**
 * What the daemon records: one usage row per provider attempt, one audit row per client request.
 * No foreign keys: the history outlives the environments, resources and keys it mentions, and rows
 * are written in batches off the request path.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE usage (
      id                 INTEGER PRIMARY KEY,
      request_id         TEXT NOT NULL,
      attempt            INTEGER NOT NULL,
      at                 INTEGER NOT NULL,
      workspace_id       TEXT NOT NULL,
      environment_id     TEXT NOT NULL,
      key_id             TEXT,
      resource_id        TEXT,
      resource           TEXT NOT NULL,
      connection_id      TEXT,
      provider           TEXT,
      model              TEXT,
      route              TEXT NOT NULL,
      stream             INTEGER NOT NULL DEFAULT 0,
      status             INTEGER NOT NULL,
      error              TEXT,
      input_tokens       INTEGER,
      output_tokens      INTEGER,
      total_tokens       INTEGER,
      cached_tokens      INTEGER,
      cache_write_tokens INTEGER,
      duration_ms        REAL,
      provider_ms        REAL,
      ttft_ms            REAL,
      gate_ms            REAL,
      correlation_id     TEXT
    );
    CREATE INDEX usage_by_environment_time ON usage(environment_id, at);
    CREATE INDEX usage_by_request ON usage(request_id);

    CREATE TABLE audit (
      request_id     TEXT PRIMARY KEY,
      at             INTEGER NOT NULL,
      workspace_id   TEXT,
      environment_id TEXT,
      key_id         TEXT,
      resource       TEXT,
      route          TEXT NOT NULL,
      stream         INTEGER NOT NULL DEFAULT 0,
      status         INTEGER NOT NULL,
      error          TEXT,
      events         TEXT NOT NULL DEFAULT '[]',
      timings        TEXT NOT NULL DEFAULT '{}',
      request_body   TEXT,
      response_body  TEXT,
      correlation_id TEXT,
      duration_ms    REAL
    );
    CREATE INDEX audit_by_environment_time ON audit(environment_id, at);
  `);
}
