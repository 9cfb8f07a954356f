import type { Queryable } from '../queryable.js';

/*
 * The SQLite schema at its version 6 (src/store/migrations/0001..0006) with the same table and
 * column names, so that both backends' repositories read alike, plus what only a shared store needs.
 *
 * Types: SQLite TEXT is text; INTEGER timestamps (milliseconds) and counters are bigint (read back as
 * numbers by the backend's type parser); REAL is double precision. JSON columns stay text: they are
 * always read whole, so the same JSON.parse as on SQLite gives the same values (jsonb would reorder
 * object keys). Flags stay 0/1 integers (smallint): the same row mappers serve both backends and
 * the roll-ups sum them (`sum(final)`) as on SQLite. Timestamps of configuration rows stay ISO text.
 */

/** Workspaces, members, environments, connections, resources, API keys (SQLite 0001, 0002, 0005, 0006). */
const CONFIG = `
  CREATE TABLE workspaces (
    id          text PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    description text,
    created_at  text NOT NULL,
    updated_at  text NOT NULL,
    created_by  text NOT NULL,
    updated_by  text NOT NULL
  );

  CREATE TABLE members (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    "user"       text NOT NULL,
    role         text NOT NULL CHECK (role IN ('owner', 'member')),
    added_at     text NOT NULL,
    added_by     text NOT NULL,
    UNIQUE (workspace_id, "user")
  );
  CREATE INDEX members_by_user ON members("user");

  CREATE TABLE environments (
    id           text PRIMARY KEY,
    workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         text NOT NULL,
    description  text,
    created_at   text NOT NULL,
    updated_at   text NOT NULL,
    created_by   text NOT NULL,
    updated_by   text NOT NULL,
    UNIQUE (workspace_id, name)
  );

  CREATE TABLE connections (
    id                  text PRIMARY KEY,
    environment_id      text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name                text NOT NULL,
    description         text,
    provider            text NOT NULL,
    config              text NOT NULL DEFAULT '{}',
    capacity            text NOT NULL DEFAULT '[]',
    discovered_capacity text NOT NULL DEFAULT '{}',
    created_at          text NOT NULL,
    updated_at          text NOT NULL,
    created_by          text NOT NULL,
    updated_by          text NOT NULL,
    prices              text NOT NULL DEFAULT '[]',
    UNIQUE (environment_id, name)
  );

  CREATE TABLE resources (
    id               text PRIMARY KEY,
    environment_id   text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name             text NOT NULL,
    description      text,
    model            text NOT NULL,
    fallback_models  text NOT NULL DEFAULT '[]',
    use_fallback     smallint NOT NULL DEFAULT 1 CHECK (use_fallback IN (0, 1)),
    secondary_models text NOT NULL DEFAULT '[]',
    routing          text,
    capacity         text NOT NULL DEFAULT '[]',
    enforce_capacity smallint NOT NULL DEFAULT 0 CHECK (enforce_capacity IN (0, 1)),
    created_at       text NOT NULL,
    updated_at       text NOT NULL,
    created_by       text NOT NULL,
    updated_by       text NOT NULL,
    UNIQUE (environment_id, name)
  );

  CREATE TABLE api_keys (
    id              text PRIMARY KEY,
    environment_id  text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name            text NOT NULL,
    description     text,
    key_hash        text NOT NULL UNIQUE,
    masked_key      text NOT NULL,
    resources       text,
    capacity        text NOT NULL DEFAULT '[]',
    enabled         smallint NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    expires_at      text,
    created_at      text NOT NULL,
    updated_at      text NOT NULL,
    created_by      text NOT NULL,
    updated_by      text NOT NULL,
    allow_overrides smallint NOT NULL DEFAULT 0 CHECK (allow_overrides IN (0, 1)),
    UNIQUE (environment_id, name)
  );

  CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at text NOT NULL
  );

  -- Provider secrets of a shared store, sealed (AES-256-GCM, the connection id as associated data).
  -- Like a keychain entry of the embedded store, a row is written beside its connection (not inside
  -- the transaction that creates it) and removed by whoever removes the connection: no foreign key.
  CREATE TABLE connection_secrets (
    connection_id text PRIMARY KEY,
    sealed        text NOT NULL,
    updated_at    text NOT NULL
  );
`;

/** Usage, audit and the hourly roll-ups (SQLite 0003, 0005): no foreign keys, the history outlives the config. */
const HISTORY = `
  CREATE TABLE usage (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id         text NOT NULL,
    attempt            bigint NOT NULL,
    at                 bigint NOT NULL,
    workspace_id       text NOT NULL,
    environment_id     text NOT NULL,
    key_id             text,
    resource_id        text,
    resource           text NOT NULL,
    connection_id      text,
    provider           text,
    model              text,
    route              text NOT NULL,
    stream             smallint NOT NULL DEFAULT 0,
    status             bigint NOT NULL,
    error              text,
    input_tokens       bigint,
    output_tokens      bigint,
    total_tokens       bigint,
    cached_tokens      bigint,
    cache_write_tokens bigint,
    duration_ms        double precision,
    provider_ms        double precision,
    ttft_ms            double precision,
    gate_ms            double precision,
    correlation_id     text,
    final              smallint NOT NULL DEFAULT 1,
    cost_nano          bigint
  );
  CREATE INDEX usage_by_environment_time ON usage(environment_id, at);
  CREATE INDEX usage_by_request ON usage(request_id);
  CREATE INDEX usage_by_time ON usage(at);

  CREATE TABLE audit (
    request_id     text PRIMARY KEY,
    at             bigint NOT NULL,
    workspace_id   text,
    environment_id text,
    key_id         text,
    resource       text,
    route          text NOT NULL,
    stream         smallint NOT NULL DEFAULT 0,
    status         bigint NOT NULL,
    error          text,
    events         text NOT NULL DEFAULT '[]',
    timings        text NOT NULL DEFAULT '{}',
    request_body   text,
    response_body  text,
    correlation_id text,
    duration_ms    double precision
  );
  CREATE INDEX audit_by_environment_time ON audit(environment_id, at);
  CREATE INDEX audit_by_time ON audit(at);

  CREATE TABLE usage_hourly (
    hour               bigint NOT NULL,
    environment_id     text NOT NULL,
    workspace_id       text NOT NULL,
    key_id             text NOT NULL,
    resource           text NOT NULL,
    connection_id      text NOT NULL,
    provider           text NOT NULL,
    model              text NOT NULL,
    route              text NOT NULL,
    stream             smallint NOT NULL,
    requests           bigint NOT NULL,
    attempts           bigint NOT NULL,
    errors             bigint NOT NULL,
    fallbacks          bigint NOT NULL,
    input_tokens       bigint NOT NULL,
    output_tokens      bigint NOT NULL,
    cached_tokens      bigint NOT NULL,
    cache_write_tokens bigint NOT NULL,
    total_tokens       bigint NOT NULL,
    cost_nano          bigint NOT NULL,
    unpriced           bigint NOT NULL,
    latency            text NOT NULL,
    ttft               text NOT NULL,
    PRIMARY KEY (hour, environment_id, key_id, resource, connection_id, provider, model, route, stream)
  );
`;

/** Counters: the SQLite restart snapshot (0004), and the shared windows and error rates every daemon charges. */
const COUNTERS = `
  CREATE TABLE capacity_counters (
    key          text PRIMARY KEY,
    window_start bigint NOT NULL,
    requests     bigint NOT NULL,
    tokens       bigint NOT NULL
  );

  CREATE TABLE capacity_windows (
    counter_key  text NOT NULL,
    window_start bigint NOT NULL,
    requests     bigint NOT NULL,
    tokens       bigint NOT NULL,
    expires_at   bigint NOT NULL,
    PRIMARY KEY (counter_key, window_start)
  );
  CREATE INDEX capacity_windows_by_expiry ON capacity_windows(expires_at);

  -- Attempts per minute by resource, connection, model and status ('' for none), over every daemon's
  -- traffic: what routing's error rates read (gateway/health/).
  CREATE TABLE error_rate_minutes (
    minute        bigint NOT NULL,
    resource_id   text NOT NULL,
    connection_id text NOT NULL,
    model         text NOT NULL,
    status        integer NOT NULL,
    attempts      bigint NOT NULL,
    PRIMARY KEY (minute, connection_id, resource_id, model, status)
  );
`;

/**
 * The configuration's version: bumped by every statement that changes the configuration, and
 * announced with NOTIFY vmx_config (delivered on commit) so daemons reload within a second; they also
 * poll the version as a safety net. Not bumped by what is not configuration: the provider-reported
 * limits of a connection (written by daemons as traffic flows) and the store's own bookkeeping under
 * the `state.` settings keys (prune cursors).
 */
const CONFIG_VERSION = `
  CREATE TABLE config_version (version bigint NOT NULL);
  CREATE UNIQUE INDEX config_version_one_row ON config_version ((true));
  INSERT INTO config_version (version) VALUES (0);

  CREATE FUNCTION vmx_bump_config_version() RETURNS void LANGUAGE plpgsql AS $$
  DECLARE
    bumped bigint;
  BEGIN
    UPDATE config_version SET version = version + 1 RETURNING version INTO bumped;
    PERFORM pg_notify('vmx_config', bumped::text);
  END $$;

  CREATE FUNCTION vmx_config_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM vmx_bump_config_version();
    RETURN NULL;
  END $$;

  CREATE FUNCTION vmx_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM changed WHERE key NOT LIKE 'state.%') THEN
      PERFORM vmx_bump_config_version();
    END IF;
    RETURN NULL;
  END $$;
`;

/** Tables whose every change is a configuration change. */
const CONFIG_TABLES = ['workspaces', 'members', 'environments', 'resources', 'api_keys', 'connection_secrets'];

/** Columns of connections a user edits (all but discovered_capacity). */
const CONNECTION_COLUMNS =
  'id, environment_id, name, description, provider, config, capacity, created_at, updated_at, created_by, updated_by, prices';

function triggers(): string {
  const each = (name: string, table: string, events: string) =>
    `CREATE TRIGGER ${name} AFTER ${events} ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION vmx_config_changed();`;
  const settings = (event: string, rows: 'NEW' | 'OLD') =>
    `CREATE TRIGGER settings_config_${event.toLowerCase()} AFTER ${event} ON settings
       REFERENCING ${rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION vmx_settings_changed();`;
  return [
    ...CONFIG_TABLES.map((table) => each(`${table}_config`, table, 'INSERT OR UPDATE OR DELETE')),
    each('connections_config_rows', 'connections', 'INSERT OR DELETE'),
    each('connections_config_edit', 'connections', `UPDATE OF ${CONNECTION_COLUMNS}`),
    settings('INSERT', 'NEW'),
    settings('UPDATE', 'NEW'),
    settings('DELETE', 'OLD'),
  ].join('\n');
}

export async function up(q: Queryable): Promise<void> {
  await q.query(CONFIG);
  await q.query(HISTORY);
  await q.query(COUNTERS);
  await q.query(CONFIG_VERSION);
  await q.query(triggers());
}
