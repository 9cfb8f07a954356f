import type { Queryable } from '../queryable.js';

/*
 * Batch completion: files, batches and their items (SQLite 0008-batches), with the same columns. JSON
 * stays text, content is bytea. Ids and ISO times are COLLATE "C", so that lists (newest first), the
 * `after` cursor and the claim's oldest-batch-first order compare bytes, as on SQLite, whatever the
 * database's collation. `batch_items_by_batch` INCLUDEs what a batch's totals are computed from.
 * Written by users and daemons as batches run: not configuration, no trigger.
 */
const TABLES = `
  CREATE TABLE files (
    id             text COLLATE "C" PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    purpose        text NOT NULL CHECK (purpose IN ('batch', 'batch_output', 'batch_errors')),
    filename       text NOT NULL,
    bytes          bigint NOT NULL,
    content        bytea NOT NULL,
    created_at     text COLLATE "C" NOT NULL,
    created_by     text NOT NULL
  );
  CREATE INDEX files_by_environment ON files(environment_id, created_at);

  -- key_id has no foreign key: revoking the key that made a batch leaves the batch.
  CREATE TABLE batches (
    id             text COLLATE "C" PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    key_id         text,
    created_by     text NOT NULL,
    source         text NOT NULL CHECK (source IN ('vmx', 'openai', 'cli')),
    type           text NOT NULL CHECK (type IN ('sync', 'async', 'callback')),
    endpoint       text NOT NULL,
    status         text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'cancelling', 'cancelled')),
    capacity       text NOT NULL DEFAULT '[]',
    callback       text,
    input_file_id  text,
    output_file_id text,
    error_file_id  text,
    metadata       text,
    created_at     text COLLATE "C" NOT NULL,
    started_at     text,
    finished_at    text,
    cancelled_at   text,
    updated_at     text NOT NULL
  );
  CREATE INDEX batches_by_environment ON batches(environment_id, created_at);
  CREATE INDEX batches_by_status ON batches(status);

  CREATE TABLE batch_items (
    batch_id      text COLLATE "C" NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    idx           integer NOT NULL,
    line          integer,
    custom_id     text,
    route         text NOT NULL CHECK (route IN ('chat', 'responses', 'messages')),
    resource      text NOT NULL,
    request       text,
    status        text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    attempts      integer NOT NULL DEFAULT 0,
    not_before    bigint NOT NULL DEFAULT 0,
    claimed_by    text,
    claimed_until bigint,
    request_id    text,
    status_code   integer,
    response      text,
    error         text,
    input_tokens  bigint NOT NULL DEFAULT 0,
    output_tokens bigint NOT NULL DEFAULT 0,
    updated_at    bigint NOT NULL,
    PRIMARY KEY (batch_id, idx)
  );
  CREATE INDEX batch_items_claimable ON batch_items(status, not_before);
  CREATE INDEX batch_items_by_batch ON batch_items(batch_id, status, idx)
    INCLUDE (not_before, input_tokens, output_tokens);
`;

export async function up(q: Queryable): Promise<void> {
  await q.query(TABLES);
}
