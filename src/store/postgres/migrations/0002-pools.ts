import type { Queryable } from '../queryable.js';

/*
 * Prioritization pools and each connection's pool state (SQLite 0007-pools). Unlike the other JSON
 * columns these two are jsonb: a list of ids and a state whose key order means nothing, so nothing is
 * lost, and SQL can look inside (`resources ? $id`, `resources - $id`). The row mapper takes them as
 * the driver parses them; SQLite's text is parsed by the same mapper.
 */
const TABLES = `
  CREATE TABLE pools (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name           text NOT NULL,
    rank           integer NOT NULL CHECK (rank >= 1),
    min_pct        integer NOT NULL CHECK (min_pct BETWEEN 0 AND 100),
    max_pct        integer NOT NULL CHECK (max_pct BETWEEN 0 AND 100),
    resources      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(resources) = 'array'),
    created_at     text NOT NULL,
    updated_at     text NOT NULL,
    created_by     text NOT NULL,
    updated_by     text NOT NULL,
    UNIQUE (environment_id, name)
  );

  -- Written by daemons as traffic flows (when no Redis holds it): not configuration, no trigger; no
  -- foreign key, a state may outlive its connection.
  CREATE TABLE pool_state (
    connection_id text PRIMARY KEY,
    state         jsonb NOT NULL,
    updated_at    bigint NOT NULL
  );
`;

/** Every change of a pool is a configuration change (as for the CONFIG_TABLES of 0001-initial). */
const TRIGGER = `
  CREATE TRIGGER pools_config AFTER INSERT OR UPDATE OR DELETE ON pools
    FOR EACH STATEMENT EXECUTE FUNCTION vmx_config_changed();
`;

export async function up(q: Queryable): Promise<void> {
  await q.query(TABLES);
  await q.query(TRIGGER);
}
