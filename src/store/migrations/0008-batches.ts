import type { Database } from 'better-sqlite3';

/**
 * Batch completion (reference §1.11): uploaded and produced `files` (JSONL, kept whole as a BLOB),
 * `batches` and their `batch_items`, one per request to run. Items are claimed by the daemons' batch
 * runners under a lease (`claimed_by`, `claimed_until`, ms), so that an item whose daemon died is
 * taken again: `batch_items_by_batch` gives a claim a batch's queued or running items in order,
 * `batch_items_claimable` the runners the next time there is work; the first also covers the columns
 * a batch's counts and token sums are computed from on every read (they are never stored). Not
 * configuration. `key_id` has no foreign key: revoking the key that made a batch leaves the batch.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE files (
      id             TEXT PRIMARY KEY,
      environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
      purpose        TEXT NOT NULL CHECK (purpose IN ('batch', 'batch_output', 'batch_errors')),
      filename       TEXT NOT NULL,
      bytes          INTEGER NOT NULL,
      content        BLOB NOT NULL,
      created_at     TEXT NOT NULL,
      created_by     TEXT NOT NULL
    );
    CREATE INDEX files_by_environment ON files(environment_id, created_at);

    CREATE TABLE batches (
      id             TEXT PRIMARY KEY,
      environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
      key_id         TEXT,
      created_by     TEXT NOT NULL,
      source         TEXT NOT NULL CHECK (source IN ('vmx', 'openai', 'cli')),
      type           TEXT NOT NULL CHECK (type IN ('sync', 'async', 'callback')),
      endpoint       TEXT NOT NULL,
      status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'cancelling', 'cancelled')),
      capacity       TEXT NOT NULL DEFAULT '[]',
      callback       TEXT,
      input_file_id  TEXT,
      output_file_id TEXT,
      error_file_id  TEXT,
      metadata       TEXT,
      created_at     TEXT NOT NULL,
      started_at     TEXT,
      finished_at    TEXT,
      cancelled_at   TEXT,
      updated_at     TEXT NOT NULL
    );
    CREATE INDEX batches_by_environment ON batches(environment_id, created_at);
    CREATE INDEX batches_by_status ON batches(status);

    CREATE TABLE batch_items (
      batch_id      TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
      idx           INTEGER NOT NULL,
      line          INTEGER,
      custom_id     TEXT,
      route         TEXT NOT NULL CHECK (route IN ('chat', 'responses', 'messages')),
      resource      TEXT NOT NULL,
      request       TEXT,
      status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
      attempts      INTEGER NOT NULL DEFAULT 0,
      not_before    INTEGER NOT NULL DEFAULT 0,
      claimed_by    TEXT,
      claimed_until INTEGER,
      request_id    TEXT,
      status_code   INTEGER,
      response      TEXT,
      error         TEXT,
      input_tokens  INTEGER NOT NULL DEFAULT 0,
      output_tokens INTEGER NOT NULL DEFAULT 0,
      updated_at    INTEGER NOT NULL,
      PRIMARY KEY (batch_id, idx)
    );
    CREATE INDEX batch_items_claimable ON batch_items(status, not_before);
    CREATE INDEX batch_items_by_batch ON batch_items(batch_id, status, idx, not_before, input_tokens, output_tokens);
  `);
}
