import type { Database } from 'better-sqlite3';
import { rollUpStatement } from '../usage-rollup.js';

/**
 * Cost, hourly roll-ups and retention.
 *
 * - usage rows get their cost (integer nano-USD; NULL when the model has no known price) and
 *   `final` (1 on the attempt that answered the client: one per request, so requests can be summed).
 * - usage_hourly holds the same figures summed per hour and group, kept in step with every insert, so
 *   raw rows can be deleted after their retention without changing any report over whole hours.
 *   Group columns hold '' rather than NULL so that the primary key can tell groups apart.
 * - settings holds retention and other store-wide settings (`vmx config`), and the store's own
 *   bookkeeping under `state.` keys.
 * - connections get per-connection price overrides.
 */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE usage ADD COLUMN final INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE usage ADD COLUMN cost_nano INTEGER;
    UPDATE usage SET final = 0
      WHERE EXISTS (SELECT 1 FROM usage later WHERE later.request_id = usage.request_id AND later.id > usage.id);
    CREATE INDEX usage_by_time ON usage(at);
    CREATE INDEX audit_by_time ON audit(at);

    ALTER TABLE connections ADD COLUMN prices TEXT NOT NULL DEFAULT '[]';

    CREATE TABLE usage_hourly (
      hour               INTEGER NOT NULL,
      environment_id     TEXT NOT NULL,
      workspace_id       TEXT NOT NULL,
      key_id             TEXT NOT NULL,
      resource           TEXT NOT NULL,
      connection_id      TEXT NOT NULL,
      provider           TEXT NOT NULL,
      model              TEXT NOT NULL,
      route              TEXT NOT NULL,
      stream             INTEGER NOT NULL,
      requests           INTEGER NOT NULL,
      attempts           INTEGER NOT NULL,
      errors             INTEGER NOT NULL,
      fallbacks          INTEGER NOT NULL,
      input_tokens       INTEGER NOT NULL,
      output_tokens      INTEGER NOT NULL,
      cached_tokens      INTEGER NOT NULL,
      cache_write_tokens INTEGER NOT NULL,
      total_tokens       INTEGER NOT NULL,
      cost_nano          INTEGER NOT NULL,
      unpriced           INTEGER NOT NULL,
      latency            TEXT NOT NULL,
      ttft               TEXT NOT NULL,
      PRIMARY KEY (hour, environment_id, key_id, resource, connection_id, provider, model, route, stream)
    ) WITHOUT ROWID;

    CREATE TABLE settings (
      key        TEXT PRIMARY KEY,
      value      TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
  `);
  // Failed attempts without tokens cost nothing; rows with tokens from before pricing stay unknown.
  db.exec('UPDATE usage SET cost_nano = 0 WHERE ifnull(input_tokens, 0) + ifnull(output_tokens, 0) = 0');
  rollUpStatement(db, 'true').run();
}
